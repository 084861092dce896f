"""Recognition benchmarks (`safecommunity bench recognition`).

`recognition.bench.runner.run_bench` / `main` run every section: `qr` (seeded synthetic card
photos from `synth`), `plates`, `faces`, `gallery`, and the worker pool. Sections import their
models lazily, so importing this package costs nothing.
"""
