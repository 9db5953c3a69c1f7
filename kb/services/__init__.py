"""One module per area; each public function is one thing a user or a script can do or ask.

No Flask request in here: the HTML views, the JSON API and the CLI all call these functions and map
``kb.errors`` to their own medium. Functions flush; the caller's request or command commits.
"""
