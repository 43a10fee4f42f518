"""The language: the grammar (grammars/backprop.lark, shipped as backpropcli.lang.grammars),
its parse tables, and the parser that builds the graph, with errors that point at a
line and column."""
