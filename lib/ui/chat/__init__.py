"""The Chat page's building blocks: the open conversation, its history and actions, sending, the
replies as they stream, comparisons, function calling, model features, search and the phone
layout."""
