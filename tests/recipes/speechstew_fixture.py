"""A tiny copy of each SpeechStew corpus in its release layout, for the recipe's tests.

:func:`build_corpora` writes, under one directory, AMI, 1996+1997 Broadcast News, Common Voice,
LibriSpeech, Switchboard-1 (+ MS-State transcripts), Fisher, Hub5'00, TED-LIUM 3 and WSJ0/WSJ1 with
their real directory and file names, transcript formats (markup included) and audio codecs and rates
(AMI 16 kHz WAV, SPHERE 16 kHz PCM for BN/TED-LIUM/WSJ and 8 kHz two-channel u-law for
Switchboard/Fisher/Hub5, Common Voice 48 kHz MP3, LibriSpeech FLAC). Audio is a few seconds of
tones. It returns what data preparation must yield per data set: utterance count, speakers and total
seconds (segment lengths, or the file's own length for whole-file utterances, read back from the
written file, since MP3 pads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Set

import numpy as np
import soundfile


@dataclass
class Expected:
    """What one data set must hold."""

    utts: int = 0
    speakers: Set[str] = field(default_factory=set)
    seconds: float = 0.0

    def add(self, speaker: str, seconds: float) -> None:
        self.utts += 1
        self.speakers.add(speaker)
        self.seconds += seconds


@dataclass
class Fixture:
    roots: Dict[str, Path]  # corpus -> the root to give data prep
    sets: Dict[str, Expected] = field(default_factory=dict)

    def expect(self, name: str, speaker: str, seconds: float) -> None:
        self.sets.setdefault(name, Expected()).add(speaker, seconds)


def _signal(seconds: float, rate: int, channels: int = 1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(seconds * rate))) / rate
    columns = [
        0.25
        * np.sin(
            2
            * np.pi
            * (180 + 40 * c + 30 * seed % 200)
            * t
            * (1 + 0.05 * np.sin(2 * np.pi * 0.7 * t))
        )
        + 0.01 * rng.standard_normal(t.size)
        for c in range(channels)
    ]
    return np.stack(columns, 1).astype(np.float32)


def _write(
    path: Path,
    seconds: float,
    rate: int,
    channels: int = 1,
    seed: int = 0,
    **kwargs: str,
) -> float:
    """Write audio; return its duration as read back (frames / rate)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), _signal(seconds, rate, channels, seed), rate, **kwargs)
    info = soundfile.info(str(path))
    return info.frames / info.samplerate


def _sph(
    path: Path, seconds: float, rate: int, channels: int = 1, seed: int = 0
) -> float:
    subtype = "ULAW" if rate == 8000 else "PCM_16"
    return _write(path, seconds, rate, channels, seed, format="NIST", subtype=subtype)


def _text(path: Path, content: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding=encoding)


# ---- AMI ----------------------------------------------------------------------------------------

AMI_MEETINGS = {  # meeting -> split, [(agent, channel, global id, [(start, end, words xml body)])]
    "ES2002a": (
        "train",
        [
            (
                "A",
                0,
                "FEE005",
                [
                    (
                        0.50,
                        2.40,
                        '<w>Okay</w><w punc="true">.</w><disfmarker/><w>Um</w><w>so</w><w>we\'re</w><w>here</w>',
                    ),
                    (
                        3.00,
                        5.20,
                        '<w>the</w><w trunc="true">re</w><w>remote</w><w>control</w><w>T_V_</w><w punc="true">,</w><w>Mm-hmm</w>',  # a cut-off word (trunc): dropped
                    ),
                ],
            ),
            (
                "B",
                1,
                "MEE006",
                [
                    (1.00, 2.00, '<vocalsound type="laugh"/>'),  # no word: no utterance
                    (
                        5.50,
                        7.50,
                        '<w>I</w><w>think</w><w>it</w><w>should</w><w>be</w><w>yellow</w><w punc="true">.</w>',
                    ),
                ],
            ),
        ],
    ),
    "ES2011a": (
        "dev",
        [
            (
                "A",
                0,
                "FEE041",
                [
                    (
                        0.80,
                        3.10,
                        '<w>what</w><w>about</w><w>the</w><w>budget</w><w punc="true">?</w>',
                    )
                ],
            )
        ],
    ),
    "ES2004a": (
        "eval",
        [
            (
                "B",
                1,
                "MEE014",
                [(1.20, 4.00, "<w>we</w><w>need</w><gap/><w>fifty</w><w>buttons</w>")],
            )
        ],
    ),
}


def _ami(root: Path, fixture: Fixture) -> None:
    annotations = root / "ami_public_manual_1.6.2"
    meetings_xml = [
        '<?xml version="1.0" encoding="ISO-8859-1" standalone="yes"?>',
        '<meetings xmlns:nite="http://nite.sourceforge.net/">',
    ]
    for meeting, (split, agents) in AMI_MEETINGS.items():
        audio = root / "amicorpus" / meeting / "audio"
        meetings_xml.append(
            f'  <meeting nite:id="{meeting}.meeting" observation="{meeting}" type="scenario">'
        )
        for index, (agent, channel, global_id, segments) in enumerate(agents):
            meetings_xml.append(
                f'    <speaker nite:id="{meeting}.{agent}" nxt_agent="{agent}" channel="{channel}" '
                f'global_name="{global_id}" role="PM"/>'
            )
            _write(
                audio / f"{meeting}.Headset-{channel}.wav", 8.0, 16000, seed=index + 1
            )
            words = [
                f'<nite:root nite:id="{meeting}.{agent}.words" xmlns:nite="http://nite.sourceforge.net/">'
            ]
            segs = [
                f'<nite:root nite:id="{meeting}.{agent}.segs" xmlns:nite="http://nite.sourceforge.net/">'
            ]
            counter = 0
            for n, (start, end, body) in enumerate(segments):
                first = counter
                for element in body.replace("><", ">\n<").splitlines():
                    name = element[1:].split(">")[0].split()[0].rstrip("/")
                    ident = f'nite:id="{meeting}.{agent}.words{counter}" starttime="{start}" endtime="{end}"'
                    words.append(f"   <{name} {ident}" + element[1 + len(name) :])
                    counter += 1
                segs.append(
                    f'   <segment nite:id="{meeting}.sync.{n}" transcriber_start="{start}" transcriber_end="{end}">\n'
                    f'      <nite:child href="{meeting}.{agent}.words.xml#id({meeting}.{agent}.words{first})'
                    f'..id({meeting}.{agent}.words{counter - 1})"/>\n   </segment>'
                )
                if "<w>" in body:
                    for mic in ("ihm", "sdm"):
                        fixture.expect(
                            f"ami_{mic}_{split}", f"ami_{mic}-{global_id}", end - start
                        )
            _text(
                annotations / "words" / f"{meeting}.{agent}.words.xml",
                "\n".join(words + ["</nite:root>"]) + "\n",
            )
            _text(
                annotations / "segments" / f"{meeting}.{agent}.segments.xml",
                "\n".join(segs + ["</nite:root>"]) + "\n",
            )
        _write(audio / f"{meeting}.Array1-01.wav", 8.0, 16000, seed=9)
        meetings_xml.append("  </meeting>")
    _text(
        annotations / "corpusResources" / "meetings.xml",
        "\n".join(meetings_xml + ["</meetings>"]) + "\n",
    )


# ---- Broadcast News -----------------------------------------------------------------------------

BN96 = """<episode filename=a960521.sph program="ABC World News Tonight" air_date=960521:1830 transcriber=ldc version=1>
<section type=report s_time=0.000 e_time=9.000 topic="politics">
<segment type=wideband speaker=Peter_Jennings spkrtype=male dialect=native s_time=0.500 e_time=6.000 fidelity=high mode=planned>
good evening {breath} we begin tonight with ((the)) president
<sync time=3.250>
who said today [noise] that the talks were over
</segment>
<segment type=wideband speaker=Cokie_Roberts spkrtype=female dialect=native s_time=6.000 e_time=8.500 fidelity=high mode=spontaneous>
<comment> phone rings </comment>
<foreign language=spanish>
buenas noches
</foreign>
<sync time=7.000>
thank you peter
</segment>
</section>
</episode>
"""

BN97 = """<episode filename=e970718b.sph program=CNN_Headline_News language=english version=1 version_date=980217>
<section type=report startTime=0.000 endTime=8.000>
<turn speaker=Lou_Waters spkrtype=male startTime=0.250 endTime=4.100>
<time sec=0.250>
the _f_b_i's director said,
<time sec=2.000>
+mispronounced+ words uh today.
</turn>
<turn speaker=Natalie_Allen spkrtype=female startTime=4.100 endTime=7.500>
<overlap startTime=4.100 endTime=4.600>
<time sec=4.100>
[noise]
</overlap>
<time sec=4.600>
@Clinton visited ^Paris on Tuesday.
</turn>
</section>
</episode>
"""


def _bn(root: Path, fixture: Fixture) -> None:
    _text(
        root / "LDC97T22" / "hub4_eng_train_trans" / "abc_wnt" / "a960521.txt",
        BN96,
        "latin-1",
    )
    _sph(root / "LDC97S44" / "data" / "a960521.sph", 9.0, 16000, seed=3)
    _text(
        root / "LDC98T28" / "hub4e97_trans_980217" / "transcrp" / "e970718b.sgml",
        BN97,
        "latin-1",
    )
    _sph(root / "LDC98S71" / "97_eng_bns_hub4" / "e970718b.sph", 8.0, 16000, seed=4)
    for speaker, start, end in [
        ("peter_jennings", 0.5, 3.25),
        ("peter_jennings", 3.25, 6.0),
        ("cokie_roberts", 7.0, 8.5),
        ("lou_waters", 0.25, 2.0),
        ("lou_waters", 2.0, 4.1),
        ("natalie_allen", 4.6, 7.5),
    ]:
        fixture.expect("bn_train", f"bn-{speaker}", end - start)


# ---- Common Voice -------------------------------------------------------------------------------

CV_HEADER = "client_id\tpath\tsentence\tup_votes\tdown_votes\tage\tgender\taccent\tlocale\tsegment"
CV_ROWS = {  # tsv -> [(client_id, clip number, sentence)]
    "train": [
        ("a3f1c0de" * 16, 19664034, "The quick brown fox jumps over the lazy dog."),
        (
            "b7e2d1aa" * 16,
            19664035,
            "\u201cWell,\u201d she said, \u201cit\u2019s not that far.\u201d",
        ),
    ],
    "dev": [("c9d3e2bb" * 16, 18252467, "How many hours are there in a day?")],
    "test": [("d1c4f3cc" * 16, 17253469, "He lived in 1999 near the old mill.")],
}


CV_VALIDATED_ONLY = [
    ("e2f5a4dd" * 16, 19664040, "A validated clip that no split uses."),
    ("f3a6b5ee" * 16, 19664041, "How many hours are there in a day?"),
]


def _commonvoice(root: Path, fixture: Fixture) -> None:
    lang = root / "cv-corpus-5.1-2020-06-22" / "en"
    validated = [CV_HEADER]
    for tsv, rows in CV_ROWS.items():
        lines = [CV_HEADER]
        for n, (client, clip, sentence) in enumerate(rows):
            name = f"common_voice_en_{clip}.mp3"
            seconds = _write(
                lang / "clips" / name, 2.0 + 0.3 * n, 48000, seed=clip % 7, format="MP3"
            )
            line = f"{client}\t{name}\t{sentence}\t2\t0\ttwenties\tmale\tus\ten\t"
            lines.append(line)
            validated.append(line)
            fixture.expect(f"cv_{tsv}", f"cv-{client}", seconds)
        _text(lang / f"{tsv}.tsv", "\n".join(lines) + "\n")
    # validated.tsv also holds clips of no split: one new sentence (used by --commonvoice_train
    # validated) and another reading of the dev sentence (left out: its sentence is held out)
    for n, (client, clip, sentence) in enumerate(CV_VALIDATED_ONLY):
        name = f"common_voice_en_{clip}.mp3"
        seconds = _write(lang / "clips" / name, 1.8, 48000, seed=n, format="MP3")
        validated.append(f"{client}\t{name}\t{sentence}\t2\t0\t\t\t\ten\t")
        if n == 0:
            fixture.expect("cv_train_validated_extra", f"cv-{client}", seconds)
    _text(lang / "validated.tsv", "\n".join(validated) + "\n")


# ---- LibriSpeech --------------------------------------------------------------------------------

LS_PARTS = {  # part -> (speaker, chapter, [transcripts])
    "train-clean-100": (
        "19",
        "198",
        ["NORTHANGER ABBEY", "CHAPTER ONE NO ONE WHO HAD EVER SEEN CATHERINE"],
    ),
    "train-clean-360": ("100", "121669", ["TOM THE PIPER'S SON"]),
    "train-other-500": ("20", "205", ["HE WAS IN A FEVERED STATE OF MIND"]),
    "dev-clean": (
        "1272",
        "128104",
        ["MISTER QUILTER IS THE APOSTLE OF THE MIDDLE CLASSES"],
    ),
    "dev-other": ("116", "288045", ["AS I APPROACHED THE CITY I HEARD BELLS RINGING"]),
    "test-clean": ("1089", "134686", ["HE HOPED THERE WOULD BE STEW FOR DINNER"]),
    "test-other": ("1688", "142285", ["THERE'S IRON THEY SAY IN ALL OUR BLOOD"]),
}


def _librispeech(root: Path, fixture: Fixture) -> None:
    for part, (speaker, chapter, sentences) in LS_PARTS.items():
        chapter_dir = root / "LibriSpeech" / part / speaker / chapter
        lines = []
        for n, sentence in enumerate(sentences):
            utt = f"{speaker}-{chapter}-{n:04d}"
            seconds = _write(
                chapter_dir / f"{utt}.flac",
                1.5 + 0.25 * n,
                16000,
                seed=n,
                format="FLAC",
            )
            lines.append(f"{utt} {sentence}")
            name = (
                "ls_train"
                if part.startswith("train")
                else f"ls_{part.replace('-', '_')}"
            )
            fixture.expect(name, f"ls-{speaker}", seconds)
        _text(chapter_dir / f"{speaker}-{chapter}.trans.txt", "\n".join(lines) + "\n")


# ---- Switchboard-1, Fisher, Hub5'00 -------------------------------------------------------------

MS98 = {
    "A": [
        ("0.000000", "0.977625", "[silence]"),
        (
            "0.977625",
            "3.500000",
            "[laughter-yes] uh i th[e]- think it's [it'n/isn't] right",
        ),
        ("4.000000", "6.250000", "{yuppiedom} is what them_1 call it [noise]"),
    ],
    "B": [
        (
            "1.500000",
            "4.750000",
            "um-hum <b_aside> we had [vocalized-noise] a -[an]y dog too <e_aside>",
        )
    ],
}

FISHER = """# fe_03_00001.sph
# Transcribed at the LDC

0.36 2.92 A: an- so the topic is [laugh] uh food
3.50 5.20 B: yeah i like (( cooking )) at home
5.30 7.80 B: mm-hmm [noise] we eat out a lot
8.10 9.60 A: oh really
"""

HUB5_STM = """;; CATEGORY "0" "" ""
sw_4390 A sw_4390_A 0.50 3.20 <O,en,M,en-M>  (%HESITATION) I -[AN]Y THINK THAT'S RIGHT
sw_4390 B sw_4390_B 3.40 5.90 <O,en,F,en-F>  (OH) YEAH [LAUGHTER] IT IS
sw_4390 B sw_4390_B 6.00 7.00 <O,en,F,en-F>  IGNORE_TIME_SEGMENT_IN_SCORING
en_4156 A en_4156_A 1.00 4.50 <O,en,F,en-F>  HE IS A POLICE OFFICER
"""


def _swbd(root: Path, fixture: Fixture) -> None:
    _sph(root / "LDC97S62/swb1_d1/data/sw02001.sph", 8.0, 8000, channels=2, seed=5)
    for side, lines in MS98.items():
        path = (
            root / "swb_ms98_transcriptions/20/2001" / f"sw2001{side}-ms98-a-trans.text"
        )
        _text(
            path,
            "".join(
                f"sw2001{side}-ms98-a-{n:04d} {s} {e} {w}\n"
                for n, (s, e, w) in enumerate(lines, 1)
            ),
        )
        for start, end, words in lines:
            if words != "[silence]":
                fixture.expect(
                    "swbd_train", f"swbd-sw02001-{side}", float(end) - float(start)
                )


def _fisher(root: Path, fixture: Fixture) -> None:
    _text(root / "fe_03_p1_tran" / "data" / "trans" / "000" / "fe_03_00001.txt", FISHER)
    sph = root / "fe_03_p1_sph1/audio/000/fe_03_00001.sph"
    _sph(sph, 10.0, 8000, channels=2, seed=6)
    for side, start, end in [("A", 0.36, 2.92), ("B", 5.30, 7.80), ("A", 8.10, 9.60)]:
        fixture.expect("fisher_train", f"fisher-fe_03_00001-{side}", end - start)


def _eval2000(root: Path, fixture: Fixture) -> None:
    english = root / "LDC2002S09" / "hub5e_00" / "english"
    _sph(english / "sw_4390.sph", 8.0, 8000, channels=2, seed=7)
    _sph(english / "en_4156.sph", 6.0, 8000, channels=2, seed=8)
    _text(
        english / "hub5e_00.pem",
        "sw_4390 A unknown_speaker 0.50 3.20\nsw_4390 B unknown_speaker 3.40 5.90\n"
        "en_4156 A unknown_speaker 1.00 4.50\n",
    )
    _text(
        root
        / "LDC2002T43"
        / "2000_hub5_eng_eval_tr"
        / "reference"
        / "hub5e00.english.000405.stm",
        HUB5_STM,
    )
    fixture.expect("eval2000_swbd", "eval2000-sw_4390-A", 2.7)
    fixture.expect("eval2000_swbd", "eval2000-sw_4390-B", 2.5)
    fixture.expect("eval2000_callhome", "eval2000-en_4156-A", 3.5)


# ---- TED-LIUM 3 ---------------------------------------------------------------------------------

TED = {  # split -> talk -> [(start, end, words)]
    "train": {
        "AaronHuey_2010X": [
            (0.00, 0.80, "ignore_time_segment_in_scoring"),
            (0.80, 3.60, "i 've been photographing {NOISE} the lakota <unk> people"),
            (3.90, 6.50, "and it 's the(2) story of a place <sil> called pine ridge"),
        ]
    },
    "dev": {"BrianCox_2009U": [(1.10, 3.90, "the large hadron collider is a machine")]},
    "test": {"AimeeMullins_2009P": [(0.40, 3.00, "i 'd like to share a conversation")]},
}


def _tedlium(root: Path, fixture: Fixture) -> None:
    for split, talks in TED.items():
        base = root / "TEDLIUM_release-3" / "legacy" / split
        for talk, rows in talks.items():
            _sph(base / "sph" / f"{talk}.sph", 7.0, 16000, seed=len(talk))
            gender = "<o,f0,male>"
            _text(
                base / "stm" / f"{talk}.stm",
                "".join(
                    f"{talk} 1 {talk} {s:.2f} {e:.2f} {gender} {w}\n"
                    for s, e, w in rows
                ),
            )
            for start, end, words in rows:
                if words != "ignore_time_segment_in_scoring":
                    fixture.expect(f"ted_{split}", f"ted-{talk}", end - start)


# ---- WSJ ----------------------------------------------------------------------------------------

WSJ_UTTS = [  # (set, index disc, index path, audio disc, path on disc, transcript)
    (
        "wsj_train",
        "11-13.1",
        "wsj0/doc/indices/train/tr_s_wv1.ndx",
        "11-1.1",
        "wsj0/si_tr_s/01i/01ic0201.wv1",
        "Of course there isn\\'t any guarantee [loud_breath] the company will keep its hot hand",
    ),
    (
        "wsj_train",
        "11-13.1",
        "wsj0/doc/indices/train/tr_s_wv1.ndx",
        "11-1.1",
        "wsj0/si_tr_s/01i/01ic0202.wv1",
        "New hardware such as the I\\. B\\. M\\. computers ,COMMA can lead to changes [door_slam>]",
    ),
    (
        "excluded",
        "11-13.1",
        "wsj0/doc/indices/train/tr_s_wv1.ndx",
        "11-2.1",
        "wsj0/si_tr_s/401/401c0201.wv1",
        "This speaker is left out of SI-284",
    ),
    (
        "wsj_train",
        "13-34.1",
        "wsj1/doc/indices/si_tr_s.ndx",
        "13-2.1",
        "wsj1/si_tr_s/46u/46uc0301.wv1",
        "Prices rose three %PERCENT in <the> quarter ~",
    ),
    (
        "wsj_dev93",
        "13-34.1",
        "wsj1/doc/indices/h1_p0.ndx",
        "13-16.1",
        "wsj1/si_dt_20/4k0/4k0c0301.wv1",
        'The bank said "DOUBLE-QUOTE profits rose [<door_slam]',
    ),
    (
        "wsj_eval92",
        "11-13.1",
        "wsj0/doc/indices/test/nvp/si_et_20.ndx",
        "11-14.1",
        "wsj0/si_et_20/440/440c0201.wv1",
        "Analysts expected *Kalikow* to sell the newspaper",
    ),
]
WSJ_DOT_DIRS = {
    "11-1.1": ("LDC93S6B", "11-4.1", "wsj0/transcrp/dots/si_tr_s"),
    "11-2.1": ("LDC93S6B", "11-4.1", "wsj0/transcrp/dots/si_tr_s"),
    "13-2.1": ("LDC94S13B", "13-34.1", "wsj1/trans/wsj1/si_tr_s"),
    "13-16.1": ("LDC94S13B", "13-34.1", "wsj1/trans/wsj1/si_dt_20"),
    "11-14.1": ("LDC93S6B", "11-14.1", "wsj0/si_et_20"),
}


def _wsj(root: Path, fixture: Fixture) -> None:
    indices: Dict[Path, List[str]] = {}
    for n, (name, index_disc, index_path, disc, path, words) in enumerate(WSJ_UTTS):
        release = "LDC93S6B" if disc.startswith("11") else "LDC94S13B"
        seconds = _sph(root / release / disc / path, 2.0 + 0.2 * n, 16000, seed=n)
        utt = Path(path).stem
        entry = f"{disc.replace('-', '_').replace('.', '_')}:{path}"
        if name == "wsj_eval92":
            entry = entry[: -len(".wv1")]  # the nvp test indices omit the extension
        index_release = "LDC93S6B" if index_disc.startswith("11") else "LDC94S13B"
        indices.setdefault(root / index_release / index_disc / index_path, []).append(
            entry
        )
        dot_release, dot_disc, dot_dir = WSJ_DOT_DIRS[disc]
        dot = root / dot_release / dot_disc / dot_dir / utt[:3] / f"{utt[:6]}00.dot"
        dot.parent.mkdir(parents=True, exist_ok=True)
        with open(dot, "a", encoding="latin-1") as handle:
            handle.write(f"{words} ({utt})\n")
        if name != "excluded":
            fixture.expect(name, f"wsj-{utt[:3]}", seconds)
    for index, entries in indices.items():
        _text(
            index, f";; File: {index.name}\n;;\n" + "\n".join(entries) + "\n", "latin-1"
        )


BUILDERS = {
    "ami": _ami,
    "bn": _bn,
    "commonvoice": _commonvoice,
    "librispeech": _librispeech,
    "swbd": _swbd,
    "fisher": _fisher,
    "eval2000": _eval2000,
    "tedlium3": _tedlium,
    "wsj": _wsj,
}


def build_corpora(target: Path, corpora: List[str] = list(BUILDERS)) -> Fixture:
    """Write the chosen corpora under ``target/<corpus>``; return their roots and expected data sets."""
    fixture = Fixture(roots={})
    for corpus in corpora:
        root = target / corpus
        BUILDERS[corpus](root, fixture)
        fixture.roots[corpus] = root
    if "commonvoice" in corpora:
        fixture.roots["commonvoice"] = (
            target / "commonvoice" / "cv-corpus-5.1-2020-06-22"
        )
    return fixture
