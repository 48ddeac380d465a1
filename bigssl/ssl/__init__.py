"""wav2vec 2.0 pretraining of Conformer encoders as an ESPnet task (BigSSL stage 1).

Modules: masking (span masks), targets (linear projection / Gumbel quantizer), contrastive
(loss and distractor sampling), encoder_io (running a stock ESPnet encoder in two halves),
model (the AbsESPnetModel; its non-finite loss guard is bigssl.training.guards), task (BigSSLTask), sizes (parameter and
memory estimates). Import :mod:`bigssl.ssl.task` for the ESPnet task; it is not imported here.
"""
