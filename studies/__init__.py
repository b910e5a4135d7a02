"""Studies of imblearn_deep: the measurements behind docs/results.md, each in its own
folder with its script, its results and a README (``studies/README.md`` lists them).
Run a script from the repository root as ``python -m studies.NAME.SCRIPT``."""
