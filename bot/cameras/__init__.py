"""Camera events in the bot process: the ingest route (`api`) and the worker (`worker`)."""
