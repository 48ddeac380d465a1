"""bigssl: BigSSL (wav2vec 2.0 Conformer pretraining + Noisy Student Training) recipes on ESPnet."""

from setuptools import find_packages, setup

setup(
    name="bigssl",
    version="0.1.0",
    description="BigSSL recipes: wav2vec 2.0 pretraining of Conformers and Noisy Student Training on ESPnet",
    packages=find_packages(include=["bigssl", "bigssl.*"]),
    python_requires=">=3.9",
    install_requires=[
        "torch==2.11.0",
        "torchaudio==2.11.0",
        "espnet==202511",
        "sentencepiece",
        "kaldiio",
        "soundfile",
        "numpy",
        "pyyaml",
        "matplotlib",
        "tqdm",
        "tensorboard",
    ],
    # black and isort with ESPnet's settings (pyproject.toml); tests/test_format.py runs both.
    extras_require={
        "test": ["pytest", "pytest-xdist", "black==24.10.0", "isort==6.0.0"]
    },
)
