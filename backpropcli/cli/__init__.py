"""The command line: the entry point (entry.py, then app.py), a command's run
(running.py), the commands (commands/), their options (options.py), and the Typer app
for help and completion (typerapp.py). The only layer that touches stdin, stdout and exit
codes."""
