"""What the tool writes: every JSON document, plain text, Markdown, LaTeX, Graphviz,
Mermaid and plots; terminal/ holds the Rich views."""
