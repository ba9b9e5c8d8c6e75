"""Intent patterns of the analytic questions (templates as in ``rules``): what may run out, the forecast
total, inventory value and sales history. Periods ("this week", "the last six months") are cut from the template
by ``nlu`` before these are matched, so they are not in the patterns.
"""

from __future__ import annotations

_I = r"(?P<item>(?!%).+?)"
_NOUNS = r"(?:products?|items?|skus?|things?|stock|lines?|ones?|stuff)"
_RUN_OUT = (
    r"(?:stock out|stockout|run out|sell out|run dry|be out of stock|go out of stock|hit zero|be out|be empty|"
    r"run short)"
)
_ASK = r"(?:what is |what s |what are |tell me |give me |show me |get me |read me |check )"
_VALUE = r"(?:value|valuation|worth|dollar value|total value)"
_STOCK = r"(?:inventory|stock|stock on hand|on hand|goods)"

ANALYTIC_RULES: list[tuple[str, list[str]]] = [
    (
        "stockout_risk",
        [
            rf"(?:which|what)(?: {_NOUNS})? (?:is|are|will|would|might|could|may)(?: (?:likely|probably|about|going|"
            rf"expected|set|due|at risk))?(?: to)? {_RUN_OUT}(?: soon| first| next| shortly| of stock)?",
            rf"(?:which|what)(?: {_NOUNS})? (?:will|are|am|might|could|do|would) (?:we|i) (?:likely |probably |be )?"
            r"(?:going to |about to |likely to |expect to )?(?:run out of|stock out of|sell out of|be out of|"
            r"run short of|run short on|run out)(?: soon| first| next| shortly)?",
            r"(?:stock ?out|stockout|run ?out|out of stock) (?:risks?|forecast|report|list|alerts?|warnings?|"
            r"predictions?)",
            rf"(?:is|are|will) (?:anything|any {_NOUNS}|something|there anything|we) (?:likely |going |about |"
            rf"expected )?(?:to )?{_RUN_OUT}(?: of anything)?(?: soon| shortly)?",
            r"(?:any|are there any|predicted|upcoming|expected|likely) (?:stock ?outs?|stockouts)(?: (?:soon|coming|"
            r"coming up|expected|ahead|predicted))?",
            rf"(?:which|what) {_NOUNS} (?:are|is) (?:at risk|in danger)(?: of (?:stocking out|running out|a stockout|"
            r"stock ?out))?",
            r"(?:what|which items) (?:is|are) (?:likely|going|about) to (?:run|sell) out",
        ],
    ),
    (
        "forecast_total",
        [
            r"(?:what is |what are |show me |give me |tell me |what does )?(?:the |our )?(?:total |overall |whole |"
            r"combined )?(?:demand |sales |usage )?(?:forecast|forecasts|projection|outlook|prediction)(?: total| overall|"
            r" for everything| look like| looking like)?",
            r"(?:what is |show me |give me )?(?:the |our )?(?:total|overall|combined) (?:forecast|demand|sales forecast|"
            r"expected demand|expected sales|projected sales)",
            r"how (?:many|much)(?: in total| altogether)? (?:will|would|do|are|should) (?:we|i) (?:likely |probably |"
            r"expect to |be going to )?(?:sell|need|use|move|ship|go through)(?: in total| altogether| overall)?",
            r"what (?:will|are|do) we (?:likely |probably )?(?:going to |expect to )?(?:sell|need|use)",
        ],
    ),
    (
        "inventory_value",
        [
            rf"{_ASK}?(?:the |our )?(?:total |current |overall )?{_STOCK} {_VALUE}(?: (?:of|for|in) {_I})?",
            rf"{_ASK}?(?:the |our )?(?:total |current |overall )?{_VALUE} of (?:the |our |all (?:the |our )?)?"
            rf"(?:inventory|stock|stock on hand|everything|what we have|all of it)(?: (?:of|for|in) {_I})?",
            rf"{_ASK}?(?:the |our )?(?:total |current |overall )?{_VALUE} of (?:the |our |all (?:the |our )?)?{_I}"
            rf" (?:inventory|stock|on hand)",
            r"how much (?:is|are) (?:our |the |all (?:of )?(?:our |the )?)?(?:inventory|stock|everything)"
            r"(?: on hand)? (?:worth|valued at)",
            rf"how much (?:is|are) (?:our |the |all (?:of )?(?:our |the )?)?{_I} (?:inventory|stock) (?:worth|valued at)",
            r"how much (?:money |cash )?(?:do we have|is there|have we got|is) (?:tied up )?in (?:inventory|stock)",
            rf"(?:what is|how much is) (?:the |our )?{_I} (?:inventory|stock) worth",
        ],
    ),
]
"""Matched before the item questions: "inventory value" and "run out" phrasings are not stock checks."""

SALES_RULE: tuple[str, list[str]] = (
    "sales_history",
    [
        rf"{_ASK}?(?:the |our )?(?:sales|sales history|sales figures|sales numbers|units sold|past sales|"
        rf"historical sales|sales data|sales totals?|usage history) (?:of|for|on) {_I}",
        rf"how (?:many|much)(?: of)?(?: the)? {_I} (?:did|have) (?:we|i|you) (?:sell|sold|use|used|ship|shipped|"
        r"go through|gone through|move|moved)",
        rf"how (?:many|much)(?: of)?(?: the)? {_I} (?:were|was|have been|has been|got) (?:sold|used|shipped)",
        rf"(?:what did|what have) (?:we|i) (?:sell|sold) of {_I}",
        rf"{_I} sales(?: history| figures| numbers| data)?",
    ],
)
"""Matched after the forecast patterns, so "sales forecast for X" stays a forecast."""
