"""The command line: the Typer app (app.py), the commands (commands.py), their options
(options.py). The only layer that touches stdin, stdout and exit codes."""
