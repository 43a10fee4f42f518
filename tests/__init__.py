"""backprop tests: by module (test_<module>.py) and by command (test_cli_<command>.py)."""
