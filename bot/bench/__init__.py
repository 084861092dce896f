"""`safecommunity bench bot`: the bot's update rates and latencies on the sandbox Bot API."""

from bot.bench.runner import QUICK, BenchOptions, main, run_bot_bench

__all__ = ["QUICK", "BenchOptions", "main", "run_bot_bench"]
