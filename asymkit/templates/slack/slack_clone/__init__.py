"""A Slack Web API clone: the app behind asymkit's bundled ``slack`` template.

It is a template, not part of the SDK: asymkit starts it with uvicorn and
talks to it only over HTTP and SQL, as it would to a user's own template.
"""
