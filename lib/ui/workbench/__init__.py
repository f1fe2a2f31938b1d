"""The Workbench page's building blocks: its editors (prompt, cases, checks), the run, the results,
Compare and Which model."""
