"""SpeechStew (Chan et al. 2021, arXiv:2104.02133): seven English corpora as one training set.

This module is the code the readers share. Each corpus is read from its release layout by its own
module (``speechstew_<corpus>.py``) into
:class:`DataSet` objects, its transcripts mapped to ONE text convention by :func:`normalize` and the
table :data:`CONVENTIONS`; :func:`bigssl.data.corpora.speechstew_corpora.prepare_speechstew` (the readers' registry, on top
of them) writes one Kaldi data dir per corpus split
(``data/<corpus>_<split>``, utterance ids prefixed by the corpus), the combined training set
``data/train_speechstew`` (per-corpus weights, default 1 = the paper's plain mix), the combined
validation set ``data/dev_speechstew`` and the list of per-corpus test sets for scoring.

The text convention (the paper does not spell its own out; ours, applied to every corpus):

* lower case, Unicode NFKC, curly apostrophes straightened; punctuation removed (hyphens become
  spaces, except in backchannels such as ``uh-huh``, ``mm-hmm``), apostrophes kept inside words
  only; numbers spelled out as they are read: the other corpora write them so, Common Voice's
  digits and symbols are spelled out (``$25`` -> ``twenty five dollars``, ``50%`` -> ``fifty
  percent``, ``3:30`` -> ``three thirty``; :mod:`bigssl.data.corpora.numbers`);
* noise and non-speech tags dropped (``[noise]``, ``[laughter]``, ``{breath}``, ``{NOISE}``,
  ``<unk>``, ``<sil>``, ``[<door_slam]``, ``<b_aside>``); BigSSL traces part of a TED-LIUM WER
  regression to emitted ``<unk>`` tokens, so no unknown-word token is ever a target;
* filled pauses (:data:`HESITATIONS`, ``%HESITATION``) dropped in conversational and broadcast
  transcripts (NIST Hub5 scoring treats them as optionally deletable) but kept where they are
  words of a read prompt (LibriSpeech, WSJ, Common Voice);
* partial words (``th[e]-``, ``-[an]y``, ``an-``) dropped, a word said laughing (``[laughter-yes]``)
  kept, a mispronunciation ``[it'n/isn't]`` written as the intended word, letter sequences
  (``_f_b_i``, ``t_v_``) as separate letters, verbalized punctuation (WSJ ``,COMMA``) as its words.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import shlex
import shutil
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from bigssl.data.corpora.common import CorpusError
from bigssl.data.corpora.numbers import spell_numbers
from bigssl.data.kaldi_dir import DataDir
from bigssl.io_utils import PathLike

logger = logging.getLogger(__name__)

# ---- where each corpus is obtained (every corpus error names it) --------------------------------

SOURCES: Dict[str, str] = {
    "ami": "the AMI Meeting Corpus, https://groups.inf.ed.ac.uk/ami/download/ (headset and "
    "Array1-01 audio as amicorpus/<meeting>/audio/*.wav, annotations ami_public_manual_1.6.2.zip)",
    "bn": "LDC: 1996 English Broadcast News speech LDC97S44 + transcripts LDC97T22, and/or 1997 "
    "speech LDC98S71 + transcripts LDC98T28 (https://catalog.ldc.upenn.edu)",
    "commonvoice": "Mozilla Common Voice, English, https://commonvoice.mozilla.org/datasets "
    "(cv-corpus-<version>/en/ with train.tsv, dev.tsv, test.tsv, validated.tsv and clips/)",
    "librispeech": "LibriSpeech, https://www.openslr.org/12 (LibriSpeech/<part>/<speaker>/<chapter>/)",
    "swbd": "Switchboard-1 Release 2, LDC97S62 (https://catalog.ldc.upenn.edu), with the MS-State "
    "transcripts swb_ms98_transcriptions (https://www.openslr.org/5, switchboard_word_alignments.tar.gz)",
    "fisher": "Fisher English Training Speech Part 1/2 LDC2004S13/LDC2005S13 with transcripts "
    "LDC2004T19/LDC2005T19 (fe_03_p1_tran, fe_03_p1_sph1..7, ...; https://catalog.ldc.upenn.edu)",
    "eval2000": "2000 HUB5 English Evaluation: speech LDC2002S09 (english/*.sph) and transcripts "
    "LDC2002T43 (reference/hub5e00.english.000405.stm; https://catalog.ldc.upenn.edu)",
    "tedlium3": "TED-LIUM release 3, https://www.openslr.org/51 (TEDLIUM_release-3/legacy/ and "
    "speaker-adaptation/, each with train/dev/test stm/ and sph/)",
    "wsj": "WSJ0 LDC93S6B and WSJ1 LDC94S13B (https://catalog.ldc.upenn.edu): the disc "
    "directories 11-*.1 and 13-*.1",
}


def corpus_error(corpus: str, root: PathLike, problem: str) -> CorpusError:
    """A :class:`CorpusError` naming the corpus, its root, the problem and where it is obtained."""
    return CorpusError(
        f"{corpus}: {problem} (under --{corpus}_root {root}). "
        f"Obtain it from {SOURCES[corpus]}."
    )


# ---- the text convention -----------------------------------------------------------------------

HESITATIONS = frozenset(
    {"uh", "um", "uhm", "er", "erm", "ah", "eh", "hm", "hmm", "mm", "%hesitation"}
)


@dataclass(frozen=True)
class Rule:
    """One markup rule: ``pattern`` (a regex) replaced by ``replacement`` ('' drops the match).

    ``scope`` is ``line`` (applied to the whole transcript) or ``token`` (to each whitespace token,
    anchored: the token must match entirely).
    """

    description: str
    pattern: str
    replacement: str
    scope: str = "token"


RULES: Dict[str, Rule] = {
    # line rules
    "unclear": Rule(
        "((words)) unclear speech: keep the best guess, drop the marks",
        r"\(\(\s*(.*?)\s*\)\)",
        r" \1 ",
        "line",
    ),
    "join_suffix": Rule(
        "TED-LIUM's split clitics: it 's -> it's", r"(\S) ('\S)", r"\1\2", "line"
    ),
    "backslash": Rule("WSJ escapes: isn\\'t -> isn't, I\\. -> I", r"\\", "", "line"),
    "aside": Rule("<b_aside> <e_aside> markers dropped", r"<[be]_aside>", " ", "line"),
    # token rules
    "laughter_word": Rule(
        "[laughter-yes]: a word said laughing -> yes", r"\[laughter-(.+)\]", r"\1"
    ),
    "intended_word": Rule(
        "[it'n/isn't]: mispronounced/intended -> isn't",
        r"\[.*/([^/\]]+)\](-?)",
        r"\1\2",
    ),
    "numbered_word": Rule("them_1 -> them", r"([a-z']+)_\d+", r"\1"),
    "verbal_punct": Rule(
        'WSJ verbalized punctuation: ,comma -> comma, "double-quote -> double quote',
        r"[^\w\s']+([a-z]+(?:-[a-z]+)*)|'(single-quote|single-close-quote)",
        r"\1\2",
    ),
    "verbal_deletion": Rule(
        "WSJ <word> (said, then deleted) -> word", r"<([\w']+)>", r"\1"
    ),
    "noise_brackets": Rule(
        "[noise] [laughter] [vocalized-noise] [<door_slam] ... dropped",
        r"\[[^\]]*\]",
        "",
    ),
    "noise_braces": Rule("{breath} {NOISE} {lipsmack} ... dropped", r"\{[^}]*\}", ""),
    "coinage_braces": Rule(
        "Switchboard {yuppiedom}: a coinage -> yuppiedom", r"\{(.+)\}", r"\1"
    ),
    "angle_tags": Rule("<unk> <sil> <noise> ... dropped", r"<[^>]*>", ""),
    "pron_variant": Rule("TED-LIUM the(2) -> the", r"(.+)\(\d+\)", r"\1"),
    "optional_parens": Rule(
        "Hub5 (OH) optionally deletable -> oh; (%HESITATION) -> %hesitation",
        r"\(([^()]+)\)",
        r"\1",
    ),
    "bn_marks": Rule(
        "BN **invented** +mispronounced+ @guess ^capital: marks dropped",
        r"[*+@^]*([^*+@^]+)[*+]*",
        r"\1",
    ),
    "overlap_hash": Rule("BN # overlap marker dropped", r"#", ""),
    "truncation": Rule("WSJ ~ (truncated utterance) dropped", r"~", ""),
    "star_marks": Rule("WSJ *word* (mispronounced) -> word", r"\*([^*]+)\*", r"\1"),
    "letters": Rule(
        "letter sequences _f_b_i / t_v_ -> f b i / t v",
        r"_?((?:[a-z]_)+[a-z]?)_?('s)?",
        "<letters>",
    ),
}


@dataclass(frozen=True)
class TextConvention:
    """How one corpus's transcripts reach the shared convention (a row of :data:`CONVENTIONS`)."""

    source: str  # how the corpus writes its transcripts
    rules: Tuple[
        str, ...
    ]  # names in :data:`RULES`, applied in order (line rules first)
    drop_hesitations: bool  # conversational/broadcast: filled pauses are not words
    drop_partial_words: bool  # th[e]- -[an]y an- dropped
    spell_numbers: bool = (
        False  # written text: $25 50% 3:30 -> words (bigssl.data.corpora.numbers)
    )


# corpus -> TextConvention(source, rules, drop_hesitations, drop_partial_words)
CONVENTIONS: Dict[str, TextConvention] = {
    "ami": TextConvention(
        "words XML, mixed case, punctuation as separate punc elements (dropped by the reader)",
        ("letters",),
        True,
        True,
    ),
    "bn": TextConvention(
        "SGML, mixed case; [noise] {breath} ((unclear)) **invented** +mispron+ @guess ^Cap _f_b_i #",
        (
            "unclear",
            "noise_brackets",
            "noise_braces",
            "angle_tags",
            "overlap_hash",
            "bn_marks",
            "letters",
        ),
        True,
        True,
    ),
    "commonvoice": TextConvention(
        "written sentences, sentence case and punctuation, digits and symbols ($25, 50%, 3:30)",
        (),
        False,
        False,
        spell_numbers=True,
    ),
    "librispeech": TextConvention(
        "UPPER CASE words, apostrophes only", (), False, False
    ),
    "swbd": TextConvention(
        "MS-State ms98, lower case; [noise] [laughter-yes] [it'n/isn't] th[e]- {coinage} them_1 <b_aside>",
        (
            "aside",
            "laughter_word",
            "intended_word",
            "noise_brackets",
            "coinage_braces",
            "angle_tags",
            "numbered_word",
        ),
        True,
        True,
    ),
    "fisher": TextConvention(
        "LDC quick transcripts, lower case; [laugh] [noise] [mn] an- (lines with (( left out by the reader)",
        ("noise_brackets",),
        True,
        True,
    ),
    "eval2000": TextConvention(
        "Hub5 stm, UPPER CASE; (%HESITATION) (OH) -[AN]Y {breath} [laughter] <B_ASIDE>",
        (
            "unclear",
            "aside",
            "laughter_word",
            "intended_word",
            "noise_brackets",
            "noise_braces",
            "angle_tags",
            "optional_parens",
        ),
        True,
        True,
    ),
    "tedlium3": TextConvention(
        "stm, lower case; split clitics (it 's), {NOISE} <unk> <sil> the(2)",
        ("join_suffix", "noise_braces", "angle_tags", "pron_variant"),
        True,
        False,
    ),
    "wsj": TextConvention(
        ".dot, mixed case; \\' escapes, [<door_slam] [loud_breath] <deleted> ,COMMA ~ *mispron*",
        (
            "backslash",
            "noise_brackets",
            "verbal_deletion",
            "truncation",
            "star_marks",
            "verbal_punct",
        ),
        False,
        True,
    ),
}

# uh-huh, mm-hmm, um-hum, uh-oh: backchannels and exclamations, words of their own; kept hyphenated
# (split, they would look like the filled pauses "uh", "mm" that are dropped)
BACKCHANNEL = re.compile(
    r"(?:uh|um|mm|hm|hmm|mhm|huh|hum|oh|ah|eh)(?:-(?:uh|um|mm|hm|hmm|mhm|huh|hum|oh|ah|eh))+"
)
_EDGE_PUNCT = re.compile(r"^[^\w'\-%]+|[^\w'\-%]+$")
_NOT_WORD = re.compile(r"[^\w']+")


def _apply_token_rule(rule: Rule, token: str) -> str:
    match = re.fullmatch(rule.pattern, token)
    if match is None:
        return token
    if rule.replacement == "<letters>":
        letters = " ".join(match.group(1).replace("_", ""))
        return letters + (match.group(2) or "")
    return match.expand(rule.replacement)


# Written text (bring-your-own transcripts, bigssl.data.corpora.manifest): the shared convention
# with numbers and symbols spelled out, nothing else assumed.
WRITTEN = TextConvention(
    "written text: case, punctuation, digits and symbols", (), False, False, True
)


def normalize(corpus: str, text: str) -> str:
    """``text`` of ``corpus`` in the shared convention (module doc); '' if no word is left."""
    return normalize_with(CONVENTIONS[corpus], text)


def normalize_with(convention: TextConvention, text: str) -> str:
    """``text`` in the shared convention by the rules of ``convention``; '' if no word is left."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    if convention.spell_numbers:
        text = spell_numbers(text)
    rules = [RULES[name] for name in convention.rules]
    for rule in rules:
        if rule.scope == "line":
            text = re.sub(rule.pattern, rule.replacement, text)
    tokens = text.split()
    for rule in rules:
        if rule.scope == "token":
            tokens = " ".join(_apply_token_rule(rule, t) for t in tokens).split()
    words: List[str] = []
    for token in tokens:
        token = _EDGE_PUNCT.sub("", token)
        if convention.drop_partial_words and (
            token.startswith("-") or token.endswith("-") or "[" in token
        ):
            continue
        if convention.drop_hesitations and token in HESITATIONS:
            continue
        if BACKCHANNEL.fullmatch(token):
            words.append(token)
            continue
        for word in _NOT_WORD.sub(" ", token.replace("_", " ")).split():
            word = word.strip("'")
            if word:
                words.append(word)
    return " ".join(words)


# ---- data sets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Utterance:
    """One utterance: its id starts with its speaker id (Kaldi's sort convention)."""

    utt: str
    speaker: str
    recording: str  # key of wav.scp
    text: str  # normalized
    # seconds into the recording; None: the whole recording
    start: Optional[float] = None
    end: Optional[float] = None


@dataclass
class DataSet:
    """A Kaldi data dir to be: ``recordings`` (wav.scp) and its utterances.

    ``corpus`` is the id prefix (``ami_ihm``, ``ls``, ...): the name of its weight in the mix;
    ``split`` is ``train``, ``dev`` (part of the combined validation set) or ``test`` (scored).
    """

    name: str
    corpus: str
    split: str
    recordings: Dict[str, str] = field(default_factory=dict)
    utterances: List[Utterance] = field(default_factory=list)
    duplicates: int = (
        0  # utterances annotated twice (same speaker, recording and times): kept once
    )
    _ids: set = field(default_factory=set, repr=False)

    def add(self, utterance: Utterance) -> None:
        if utterance.utt in self._ids:
            self.duplicates += 1
            return
        self._ids.add(utterance.utt)
        self.utterances.append(utterance)


def sph_command(path: PathLike, channel: int, reader: str) -> str:
    """A wav.scp command reading ``channel`` (1-based) of a NIST SPHERE file as 16-bit WAV.

    ``sph2pipe`` is what Kaldi and ESPnet write (it also reads the shorten-compressed SPHERE of many
    LDC releases); ``sox`` reads uncompressed PCM and u-law SPHERE only.
    """
    quoted = shlex.quote(str(path))
    if reader == "sph2pipe":
        return f"sph2pipe -f wav -p -c {channel} {quoted} |"
    if reader == "sox":
        if "shorten" in sphere_sample_coding(path):
            raise CorpusError(
                f"{path}: shorten-compressed SPHERE, which sox cannot read; install sph2pipe "
                "(Kaldi's tools/extras, or https://github.com/burrmill/sph2pipe) on PATH, or give "
                "--sph_reader sph2pipe, and prepare the data again"
            )
        return f"sox -t sph {quoted} -b 16 -e signed-integer -t wav - remix {channel} |"
    raise ValueError(f"unknown SPHERE reader '{reader}' (sph2pipe or sox)")


def sphere_sample_coding(path: PathLike) -> str:
    """The ``sample_coding`` field of a NIST SPHERE header (``pcm`` when absent or unreadable)."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(1024).decode("ascii", errors="replace")
    except OSError:
        return "pcm"  # a missing file is reported by the reader, with its corpus
    match = re.search(r"^sample_coding -s\d+ (\S+)", header, flags=re.M)
    return match.group(1) if match else "pcm"


def default_sph_reader() -> str:
    """``sph2pipe`` when it is on PATH, else ``sox``."""
    return "sph2pipe" if shutil.which("sph2pipe") else "sox"


def time_id(seconds: float) -> str:
    """Centiseconds, 7 digits: the time part of segment utterance ids (sorts as the time does)."""
    return f"{int(round(seconds * 100)):07d}"


def _check_ids(dataset: DataSet) -> None:
    seen = set()
    for utt in dataset.utterances:
        if utt.utt in seen:
            raise ValueError(f"{dataset.name}: duplicate utterance id '{utt.utt}'")
        if not utt.utt.startswith(utt.speaker):
            raise ValueError(
                f"{dataset.name}: utterance '{utt.utt}' does not start with its speaker '{utt.speaker}'"
            )
        if utt.recording not in dataset.recordings:
            raise ValueError(
                f"{dataset.name}: utterance '{utt.utt}' names unknown recording '{utt.recording}'"
            )
        seen.add(utt.utt)


def write_data_dir(dataset: DataSet, data_root: PathLike) -> Path:
    """Write ``dataset`` as ``data_root/<name>`` (every file atomically, sorted, C locale).

    A ``segments`` file is written when any utterance is a part of its recording, or names a
    recording other than itself (a repeated utterance); whole-recording rows then read ``0 -1``.
    """
    _check_ids(dataset)
    directory = Path(data_root) / dataset.name
    utterances = dataset.utterances
    data = DataDir(
        utt2spk={u.utt: u.speaker for u in utterances},
        text={u.utt: u.text for u in utterances},
        time_decimals=3,
    )
    if any(u.start is not None or u.recording != u.utt for u in utterances):
        used = {u.recording for u in utterances}
        data.wav_scp = {r: v for r, v in dataset.recordings.items() if r in used}
        data.segments = {
            u.utt: (u.recording, u.start or 0.0, -1 if u.end is None else u.end)
            for u in utterances
        }
    else:
        data.wav_scp = {u.utt: dataset.recordings[u.utt] for u in utterances}
    data.save(directory)
    logger.info(
        "%s: %d utterances, %d speakers",
        directory,
        len(utterances),
        len(set(data.utt2spk.values())),
    )
    return directory


# ---- combining corpora -------------------------------------------------------------------------


def _unit_hash(key: str) -> float:
    """A stable pseudo-random number in [0, 1) from ``key`` (sha1): the same on every machine."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:15], 16) / 16**15


def weighted_utterances(
    utterances: Sequence[Utterance], weight: float, seed: int = 0
) -> List[Utterance]:
    """The utterances a corpus contributes to the combined set at sampling weight ``weight``.

    ESPnet's samplers draw from one utterance list, so a weight is the list itself: each utterance
    appears ``floor(weight)`` times plus once more for the fraction ``weight - floor(weight)`` of
    them picked by a hash of (seed, repetition, id) -- deterministic, independent of order. Copy k
    >= 1 is ``<id>-rep<k>``, the same speaker and audio. Weight 1 is the corpus as it is.
    """
    if weight < 0 or not math.isfinite(weight):
        raise ValueError(
            f"a sampling weight must be a finite number >= 0, not {weight}"
        )
    whole, fraction = int(math.floor(weight)), weight - math.floor(weight)
    chosen: List[Utterance] = []
    for utt in utterances:
        copies = whole + (
            1 if _unit_hash(f"{seed}/{whole}/{utt.utt}") < fraction else 0
        )
        for k in range(copies):
            chosen.append(utt if k == 0 else replace(utt, utt=f"{utt.utt}-rep{k}"))
    return chosen


def combine(
    name: str,
    parts: Sequence[Tuple[DataSet, float]],
    seed: int = 0,
    split: str = "train",
) -> DataSet:
    """One data set of ``parts`` (data set, weight); recordings keep their (corpus-prefixed) ids.

    A whole-recording utterance keeps its own id as the recording of its copies.
    """
    combined = DataSet(name, "speechstew", split)
    for dataset, weight in parts:
        for utt in weighted_utterances(dataset.utterances, weight, seed):
            combined.recordings[utt.recording] = dataset.recordings[utt.recording]
            combined.add(utt)
    return combined


def parse_weights(spec: str, corpora: Iterable[str]) -> Dict[str, float]:
    """``"ami_ihm=2,bn=0.5"`` -> {corpus: weight}; every other training corpus weighs 1."""
    known = list(corpora)
    weights = {c: 1.0 for c in known}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        name, sep, value = item.partition("=")
        if not sep or name not in weights:
            raise ValueError(
                f"--weights: '{item}' is not <corpus>=<weight> with a corpus among {known}"
            )
        try:
            weights[name] = float(value)
        except ValueError:
            raise ValueError(
                f"--weights: '{item}': '{value}' is not a number"
            ) from None
        if weights[name] < 0 or not math.isfinite(weights[name]):
            raise ValueError(
                f"--weights: '{item}': a weight must be a finite number >= 0"
            )
    return weights
