"""ipq: the CNIPA 2019 task list as data, with a command line for departments,
provinces and progress."""

__version__ = "0.1.0"
