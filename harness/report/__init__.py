"""Reports of a run (pandas and pyarrow are imported lazily, inside functions, only here).

    frame.py     rows -> DataFrame with the declared dtypes; results.parquet/.csv; load_run
    stats.py     Wilson, McNemar exact + its interval, Fisher, percentiles, pass@k, bootstrap
    analysis.py  analyze(df) -> RunReport: per-target head-to-head, pairs, variants, flakiness
    summary.py   the terminal table and summary.md
    html.py      report.html (svg.py: the inline plots)
    junit.py     junit.xml
    outputs.py   write_reports(): every file above, for `harness run` and `harness report`
    compare.py   two runs, baseline vs candidate: `harness compare`
"""
