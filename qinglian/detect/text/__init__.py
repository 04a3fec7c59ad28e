"""Content analysis of seized text: normalisation, explainable rules, a char n-gram model, detectors.

- ``normalize``: evasion tricks undone, with an offset map back to the original text;
- ``rules``: the rules as data (id, label, weight, provisions, keywords or pattern);
- ``laws``: the legal catalog (qinglian/laws/laws.yaml) and the text in force at a date;
- ``matcher``: all rules over a batch at once (Aho-Corasick + pre-filtered regular expressions);
- ``features`` / ``model``: hashed char 1-3-gram TF-IDF and the shipped logistic regressions;
- ``detectors``: the eight labels, one signature, rules and model combined in log-odds;
- ``engine``: the batch path used by ``qinglian classify`` and ``qinglian analyze``;
- ``corpora``: reading ../shared/data and template-deduplicated splits (training, evaluation).
"""
