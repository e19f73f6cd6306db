"""Serving the lab to a class: `initlab serve` (serve.py), Voila with the class's guards
(voila_app.py) and what a served kernel reads of its page's link (querystring.py)."""
