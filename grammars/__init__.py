"""The backprop grammar, shipped inside the wheel as the package backpropcli.lang.grammars."""
