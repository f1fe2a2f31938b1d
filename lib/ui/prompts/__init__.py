"""The prompt library on screen: the Prompts page (list, editor, history) and prompts opened where
they are used."""
