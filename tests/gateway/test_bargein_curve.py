"""The barge-in trade-off curve (``bench/bargein_curve.py``): thresholds read off from scores, in numbers."""

from __future__ import annotations

import numpy as np

from bench.bargein_curve import by_condition, ranking, trade_off


def test_each_threshold_cuts_at_most_its_share_of_non_words() -> None:
    others = np.linspace(0.0, 0.99, 100)  # 100 non-words
    words = np.array([0.5, 0.95, 0.975, 0.985, 0.999])
    top = np.concatenate([others, words])
    is_word = np.concatenate([np.zeros(100, bool), np.ones(5, bool)])
    (p1, f1, m1), (p5, f5, m5) = trade_off(top, is_word, (0.01, 0.05))
    assert f1 == 0.01 and f5 == 0.05  # exactly one, then five, of the hundred non-words reach the threshold
    assert p1 > others[-2] and p1 <= others[-1]
    assert m1 == 0.6  # 0.5, 0.95 and 0.975 fall below the 1 % threshold (just over 0.98)
    assert m5 == 0.2 and p5 > others[-6]  # only 0.5 falls below the 5 % one (just over 0.94)


def test_no_share_allowed_means_no_non_word_is_cut() -> None:
    top = np.array([0.2, 0.4, 0.9, 0.3])
    is_word = np.array([False, False, True, True])
    ((cut_p, false, missed),) = trade_off(top, is_word, (0.0,))
    assert false == 0.0 and cut_p > 0.4
    assert missed == 0.5  # the word at 0.3 scores under the quietest safe threshold


def test_ranking_counts_words_above_non_words() -> None:
    top = np.array([0.1, 0.5, 0.5, 0.9])
    is_word = np.array([False, False, True, True])
    # pairs (word, other): (0.5, 0.1) above, (0.5, 0.5) tie, (0.9, 0.1) and (0.9, 0.5) above
    assert ranking(top, is_word) == (3 + 0.5) / 4


def test_conditions_count_words_missed_and_non_words_cut() -> None:
    top = np.array([0.99, 0.2, 0.95, 0.1, 0.97])
    is_word = np.array([True, True, False, False, True])
    keys = [["said stop", "over hum"], ["said stop", "over none"], ["over hum"], ["over none"], ["said no"]]
    rows = {name: (n, share) for name, n, share in by_condition(top, is_word, keys, cut_p=0.96)}
    assert rows["words said stop"] == (2, 0.5)  # 0.2 falls under the threshold, 0.99 does not
    assert rows["words over none"] == (1, 1.0) and rows["words over hum"] == (1, 0.0)
    assert rows["words said no"] == (1, 0.0)
    assert rows["other over hum"] == (1, 0.0) and rows["other over none"] == (1, 0.0)  # 0.95 < 0.96: not cut
    # Worst first, then by name: at 0.94 the non-word over hum is cut.
    worst = by_condition(top, is_word, keys, cut_p=0.94)[0]
    assert worst == ("other over hum", 1, 1.0)
