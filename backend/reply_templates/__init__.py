"""Reply templates (常用语): a department's ready answers with variables such as {number} and {date}."""
