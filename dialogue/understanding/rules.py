"""The intent patterns, in priority order, over the templates that ``nlu`` builds.

Templates are lower-case words with ``#`` for a number, ``%case``/``%pallet``/``%each`` for a unit said after it
and ``@`` for a bin. In patterns ``<Q>`` is the quantity (with its unit), ``<I>`` the item phrase and ``<T>`` a
tail of filler words ("do we have left"). Command words come first so "cancel" always means cancel.
"""

from __future__ import annotations

import re

from dialogue.understanding.analytic_rules import ANALYTIC_RULES, SALES_RULE

_Q = r"(?P<q>#)(?: (?P<unit>%case|%pallet|%each))?"
_QCS = r"(?P<q>#) (?P<unit>%case) of (?P<cs>#) (?:%each|each|units?|per case|a case|apiece|in a case|in each)"
_I = r"(?P<item>(?!%).+?)"  # never starts with a unit token
_T = (
    r"(?: (?:do|did|have|has|are|is|we|i|you|there|got|get|left|in|stock|on|hand|remaining|available|currently"
    r"|right|now|still|today|at|the|moment|of|them|it|here|anymore|total|altogether|all|together|overall|this"
    r"|site|warehouse|shelf|shelves|physically))*"
)
_RE = r"(?:re ?order|reorder)"
_ORDER_V = (
    # "order for eighty syringes", "order for me twenty": the caller's "for" (an order *for* a quantity)
    r"(?:(?:re ?order|reorder|order|buy|purchase) for(?: me| us)?|re ?order|reorder|order|buy|purchase|"
    r"place (?:an |a )?order for|put in (?:an |a )?order for|"
    r"put (?:an |a )?order in for|raise (?:a |an )?(?:purchase )?order for|send (?:an |a )?order for|"
    r"get (?:us )?(?:some )?more|order in|get us|we need to order|i need to order)"
)
_RECV_V = (
    r"(?:(?:we |i )?(?:have |just )?(?:received|receive|receiving|got in|got|booked in|book in|checked in|check in|"
    r"put away|putaway|unloaded|unload|took delivery of|take delivery of)|log (?:a )?delivery of|"
    r"(?:a |the )?delivery of|got a delivery of|there was a delivery of|in came)"
)
_PICK_V = (
    r"(?:(?:i |we )?(?:just )?(?:picked|pick|took|take|taking|pulled|pull|grabbed|grab|used|use|issued|issue|"
    r"removed|remove|sold|sell|shipped out|dispatched|consumed)|(?:record|log|book) (?:a |the )?(?:sale|pick) of|"
    r"(?:a |the )?(?:sale|pick) of)"
)
_PICK_PAST = (
    r"(?:picked|sold|taken|used|pulled|issued|went out|were picked|were sold|were used|got picked|removed)"
)
_MIN = (
    r"(?:min|minimum|minimum stock|min stock|minimum level|min level|reorder point|reorder level|threshold|"
    r"safety stock|par level|par|minimum quantity|floor)"
)
_YES = (
    r"(?:yes|yeah|yep|yup|ya|yes sir|correct|confirm|confirmed|that is (?:right|correct)|right|affirmative|"
    r"do it|go ahead|sure|ok|okay|please do|absolutely|exactly|yes please|that is it|roger|go for it|"
    r"sounds good|that is fine|fine|true|indeed|definitely|of course|proceed)"
)
_NO = r"(?:no|nope|nah|negative|wrong|incorrect|not quite|not right|that is wrong|that is not right|no no)"

_RULES_SRC: list[tuple[str, list[str]]] = [
    (
        "repeat",
        [
            r"(?:can you |could you |please |sorry )?(?:say (?:that|it) again|say again|repeat(?: that| it| yourself| the last"
            r" (?:one|thing|question))?|pardon(?: me)?|come again|what did you say|sorry what|what was that|again|"
            r"i did not (?:catch|hear|get) (?:that|it|you)|one more time|sorry i missed that|huh|what)",
        ],
    ),
    (
        "help",
        [
            r"(?:help(?: me)?|i need help|what can i (?:say|do|ask)|what can you do|what are (?:my|the) options|options|"
            r"commands|what do i say|how does this work|what should i say|menu)",
        ],
    ),
    (
        "cancel",
        [
            r"(?:no )?(?:cancel(?: that| it| the order| this| everything| please)?|stop(?: that| it)?|never ?mind|"
            r"forget (?:it|that|about it)|abort|scratch that|quit|leave it|do not do (?:it|that)|drop it)",
        ],
    ),
    (
        "goodbye",
        [
            r"(?:(?:thanks|thank you|cheers|ok|okay)(?: very much)? )?(?:good ?bye|bye(?: bye)?|that is all|that will be"
            r" all|i am done|we are done|end (?:the )?call|hang up|see you(?: later)?|that is everything|nothing else)",
        ],
    ),
    (
        "thanks",
        [r"(?:thanks|thank you|cheers|great|perfect|awesome|brilliant|nice)(?: very much| a lot| so much)?"],
    ),
    ("greeting", [r"(?:hi|hello|hey|good (?:morning|afternoon|evening)|howdy|hiya)(?: there)?"]),
    (
        "more",
        [
            r"(?:more|next|go on|continue|what else|the rest|tell me more|keep going|more please|others|the others|"
            r"and the rest|list more|read more|show more|any more|what are the others|(?:what|how) about the (?:others|rest)|"
            r"(?:(?:what|how) about )?(?:the |all the )?other (?:items|ones|products|things)|the rest of (?:them|the list))",
        ],
    ),
    ("yes", [rf"{_YES}(?: {_YES})*"]),
    ("quantity", [rf"(?:the )?(?:check digits?|digits|the digits|check) (?:are |is )?{_Q}"]),
    (
        "correction",
        [
            rf"{_NO}(?: (?:make (?:it|that)|it is|it should be|i said|should be|change (?:it|that) to|"
            rf"actually|i meant|i mean|(?:it|that) was|let us say|say))? {_Q}(?: of (?:them|those|it))?",
            rf"(?:make (?:it|that)|it should be|i said|should be|change (?:it|that) to|actually|i meant|i mean|"
            rf"(?:it|that) was|let us say) {_Q}(?: of (?:them|those|it))?",
            rf"{_NO} (?:make (?:it|that) |i said |i meant |i mean |change (?:it|that) to |it is |it should be )?"
            rf"{_Q} {_I}",
            rf"(?:make (?:it|that)|change (?:it|that) to|actually|i meant|i said) {_Q} {_I}",
            rf"{_NO} (?:i said |i meant |i mean |not that (?:one )?|the other one |it is )?{_I}",
            rf"(?:i meant|i said|i mean) {_I}",
        ],
    ),
    ("no", [rf"{_NO}(?: {_NO})*(?: thanks| thank you)?"]),
    *ANALYTIC_RULES,
    (
        "order_status",
        [
            r"(?:what is )?(?:the )?(?:status of|status on|track|tracking on|any update on|update on|where is|where are|"
            rf"check on) (?:my|the|our|an?|that) (?:purchase )?orders?(?: for {_I})?{_T}",
            rf"(?:open|pending|outstanding|recent|current|my|our) (?:purchase )?orders(?: for {_I})?",
            rf"(?:what|which) orders (?:are|do we have|have we got) (?:open|pending|outstanding|placed|in)(?: for {_I})?",
            rf"(?:purchase )?order status(?: for| of| on)?(?: {_I})?",
            rf"(?:has|have|did) (?:the|my|our) {_I} orders? (?:shipped|arrived|come in|been shipped|been received|"
            r"been delivered|ship|arrive)",
            rf"when (?:will|is|does|do) (?:the |my |our )?{_I} (?:order )?(?:arrive|get here|come in|be due|due|"
            r"be delivered|land|show up)",
            rf"(?:is|are) (?:the |my |our )?{_I} (?:order )?(?:on (?:its|the) way|shipped|coming)",
        ],
    ),
    (
        "set_minimum",
        [
            rf"(?:always )?(?:keep|have|hold|maintain|stock) (?:at least|a minimum of|minimum|min|no less than|"
            rf"never less than) {_Q}(?: of)?(?: {_I})?(?: in stock| on hand| on the shelf| around)?",
            rf"(?:set|change|make|update|put|raise|lower|adjust) (?:the )?{_MIN} (?:for|of|on) {_I} (?:to|at|as) {_Q}",
            rf"(?:set|change|make|update|put|raise|lower|adjust) (?:the )?{_MIN} (?:to|at) {_Q}(?: (?:for|of|on) {_I})?",
            rf"(?:set|make) (?:the )?{_I} {_MIN} (?:to|at)? ?{_Q}",
            rf"(?:the )?{_MIN} (?:for|of|on) {_I} (?:is|should be|=|to|will be) {_Q}",
            rf"never (?:let|have) {_I} (?:go |drop |fall |get )?(?:below|under|lower than|less than) {_Q}",
            rf"{_I} (?:min|minimum|reorder point) (?:is |of |should be )?{_Q}",
        ],
    ),
    (
        "forecast",
        [
            rf"how (?:many|much) (?:of )?{_I} (?:will|would|are|do|might|should) (?:we|i|they) (?:likely |probably )?"
            r"(?:sell|need|use|go through|move|ship|be selling|be using|need to sell|consume|expect to sell)(?: in total)?",
            rf"(?:what is |show me |give me |tell me |what does )?(?:the |a )?(?:demand |sales |usage )?(?:forecast|"
            rf"prediction|projection|outlook)(?: look like)?(?: for| on| of) {_I}",
            rf"(?:forecast|predict|project) (?:the )?(?:demand |sales |usage )?(?:for |of |on )?{_I}",
            rf"(?:what is |what are )?(?:the )?(?:expected|predicted|projected|forecast|forecasted|likely) (?:demand|"
            rf"sales|usage|consumption) (?:for|of|on) {_I}",
            rf"(?:what is |what are )?(?:the )?(?:demand|sales) (?:for|of|on) {_I} (?:going to|likely to) be",
            rf"{_I} (?:forecast|demand forecast)",
        ],
    ),
    SALES_RULE,
    (
        "reorder_advice",
        [
            rf"(?:do|should|shall|must) (?:i|we) (?:need to |have to )?(?:{_RE}|restock|order|buy|top up|order more of)"
            r" (?:anything|something|any items|any products|any stock|anything else|stuff|things|any more)"
            r"(?: now| yet| soon| today| again| this week)?",
            rf"(?:is there |are there )?(?:anything|any items|any products) (?:(?:i|we) (?:need to|should|must) |to |that"
            rf" (?:needs?|need to be) )(?:{_RE}|restock|order|reordered|ordered|reordering|ordering)(?: now| today)?",
            rf"(?:do|should|shall|must) (?:i|we) (?:need to |have to )?(?:{_RE}|restock|order more(?: of)?|buy more"
            rf"(?: of)?|get more(?: of)?|order|top up)(?: (?:some |any )?{_I})?(?: now| yet| soon| today| again)?",
            rf"(?:what|which(?: items| products| things| ones)?) (?:should|do|must) (?:i|we) (?:need to )?(?:{_RE}|order|"
            r"restock|buy)(?: today| now| this week)?",
            r"(?:what|which(?: items| products| things)?) (?:needs?|need to be) (?:re ?ordering|reordered|ordering|"
            r"ordered|restocking|restocked)",
            rf"(?:any |give me |get |what are the |show me the |what is the )?(?:{_RE}|restock|restocking|purchasing|"
            rf"replenishment) (?:advice|recommendations?|suggestions?|list)(?: for {_I})?",
            rf"(?:when|how much|how many) should (?:i|we) (?:{_RE}|order|buy|restock)(?: (?:more )?(?:of )?{_I})?",
            rf"how (?:many|much) {_I} should (?:i|we) (?:{_RE}|order|buy|get)",
            rf"do (?:we|i) need (?:any |some )?more(?: {_I})?",
            rf"is it time to (?:{_RE}|restock|order more(?: of)?) {_I}",
            rf"(?:what do you |what would you )?(?:recommend|suggest)(?: (?:for|on) {_I})?",
            rf"(?:is|are) {_I} (?:due|ready) (?:for|to be) (?:a )?(?:{_RE}|restock|reordered|restocked)",
        ],
    ),
    (
        "check_stock",
        [
            rf"(?:are we|am i|is it|are you) (?:out of|low on|running low on|short on|running out of|getting low on) {_I}",
            rf"(?:are|is) (?:we )?(?!anything |everything |something |nothing |what |which ){_I} (?:running low|low|"
            r"out of stock|in stock|available|getting low)",
        ],
    ),
    (
        "low_stock",
        [
            r"(?:\w+ ){0,5}?(?:running low|getting low|low stock|low on stock|low|below (?:the )?(?:minimum|min|"
            r"threshold|reorder point)|out of stock|running out|needs? restocking|low stock items)(?: \w+){0,3}",
            r"what (?:are|am|is) (?:we|i) (?:out of|short on|low on|running out of)",
        ],
    ),
    (
        "place_order",
        [
            rf"{_ORDER_V} {_QCS}(?: of)? {_I}(?P<sup> from .+)?",
            rf"{_ORDER_V} (?:another |an extra |a further )?{_Q}(?: more)?(?P<sup> from .+)",
            rf"{_ORDER_V} (?:another |an extra |a further )?{_Q}(?: more)?(?: of)?(?: {_I})?(?P<sup> from .+?)?",
            rf"{_ORDER_V} {_I} {_Q}(?P<sup> from .+?)?",
            rf"{_Q}(?: more)?(?: of)? {_I} (?:on order|to order|needs? ordering|to be ordered)",
            rf"(?:{_RE}|order more(?: of)?|order|buy more(?: of)?|buy|purchase|restock|top up)(?: for)?(?: (?:some )?{_I})?",
            r"(?:place|make|raise|create|put in) (?:an |a |the )?(?:purchase )?order",
        ],
    ),
    (
        "receive",
        [
            rf"{_RECV_V} {_QCS}(?: of)? {_I}(?: in| today| just now| came in| arrived)?",
            rf"{_RECV_V} {_Q}(?: of)? {_I}(?: in| today| just now| came in| arrived| delivered| at @)?",
            rf"{_RECV_V} {_Q}(?: in| today| just now)?",
            rf"{_Q}(?: of)? {_I} (?:arrived|came in|were delivered|got delivered|delivered|just came in|have arrived|"
            r"has arrived|are here|received|were received|showed up|came)(?: today| just now)?",
            rf"(?:receive|received|receiving|got a delivery(?: of)?|(?:a )?delivery (?:for|of)|book in|check in) {_I}",
            r"(?:a )?delivery (?:came in|arrived|is here)",
        ],
    ),
    (
        "pick",
        [
            rf"{_PICK_V} {_Q} (?:from|at|out of) @",
            rf"{_PICK_V} {_Q}",
            rf"{_PICK_V} {_Q}(?: of)?(?: {_I})?(?: (?:from|at|out of|in) @)?",
            rf"{_Q}(?: of)? {_I} {_PICK_PAST}(?: from @| at @)?",
            rf"(?:pick|picked|sold|sell|pull|pulled) {_I}",
        ],
    ),
    (
        "count",
        [
            rf"(?:the )?(?:cycle )?count (?:for|of|on) {_I} (?:is|was|=|of|at|comes to|came to) {_Q}",
            rf"(?:the )?(?:cycle )?count (?:for|of|on) {_I} {_Q}",
            rf"(?:cycle )?count {_I} (?:at |is |as )?{_Q}",
            rf"(?:i |we )?(?:counted|count|cycle counted|see|can see|found|find) {_Q}(?: of)? {_I}(?: (?:at|in) @)?",
            rf"{_I} count (?:is|was|comes to|came to|=) {_Q}",
            rf"(?:set|adjust|change|update|correct|reset) (?:the )?(?:stock|count|quantity|inventory|on hand|level|balance)?"
            rf"(?: level| count)? ?(?:of|for|on)? ?{_I} to {_Q}",
            rf"(?:set|adjust|change|update|correct) (?:the )?(?:stock|count|quantity|inventory|on hand)(?: level)? to {_Q}"
            rf"(?: (?:for|of|on) {_I})?",
            rf"(?:there (?:are|is)|we (?:actually |only )?have|we have got|we got|i have|i count|i counted|we actually have)"
            rf" (?:only |actually |exactly )?{_Q}(?: of)? {_I}(?: (?:left|here|in the bin|on the shelf|in stock|at @|in @))?",
            rf"(?:there (?:are|is)|we have|we have got) {_Q} (?:left )?(?:in|at) @",
            rf"{_I} (?:is|are|should be|stands at|is at|are at) (?:actually |really |now )?{_Q}(?: (?:on hand|in stock))?",
            rf"(?:cycle count|count|recount|adjust|stock take|stocktake)(?: (?:for|of|on))? {_I}",
        ],
    ),
    (
        "supplier_info",
        [
            rf"who (?:supplies|sells|makes|provides|stocks|do we use for|is the supplier for|supplies us) {_I}",
            rf"(?:who is |who are |what is |what are |which is |which are )?(?:the |our )?(?:suppliers?|vendors?|"
            rf"sources?|distributors?) (?:for|of|on) {_I}",
            rf"(?:who|where) do (?:we|i) (?:buy|get|order|source|purchase) {_I} from",
            rf"(?:what is |what are )?(?:the )?(?:price|prices|cost|unit price|unit cost|lead time|lead times|pricing)"
            rf" (?:of|for|on) {_I}",
            rf"how much (?:is|are|does|do) (?:a |an |one )?{_I} cost",
            rf"how much (?:is|are|does|do) (?:a |an |one )?{_I} (?:each|per unit|a unit|a case|per case|go for)",
            rf"(?:what|how much) does {_I} cost",
            rf"how long (?:does|do|will) {_I} take to (?:arrive|come|ship|deliver)",
            rf"{_I} (?:price|prices|supplier|suppliers|cost|vendor|lead time)",
        ],
    ),
    (
        "where_is",
        [
            rf"where (?:is|are|do (?:we|i) (?:keep|store|put|find|have)|can i find|would i find|will i find|are we "
            rf"keeping|is the|are the) (?:the |our |some |any )?{_I}(?: kept| stored| located| at| go)?",
            rf"(?:which|what) (?:bin|location|aisle|shelf|slot|bay|rack) (?:is|are|has|holds|for|do we keep|do we store"
            rf"|is for) (?:the )?{_I}(?: in| at| kept in| stored in| on)?",
            rf"(?:what is the |give me the |tell me the )?(?:location|bin|bin location|bin number|address) (?:of|for) {_I}",
            rf"(?:find|locate) (?:the |some )?{_I}",
            rf"{_I} (?:location|bin|locations)",
        ],
    ),
    (
        "check_stock",
        [
            rf"how (?:many|much) (?:of )?(?:the )?{_I}{_T}",
            rf"(?:what is |what are |check |give me |tell me |read me |get me )?(?:the |our )?(?:current )?(?:quantity on hand|stock on hand|"
            rf"stock|stock level|stock levels|inventory|quantity|count|on hand|level|stock count|balance|amount|numbers?)"
            rf"(?: level| count)? (?:on|of|for|at|in) {_I}{_T}",
            rf"(?:check|check stock on|check stock for|stock check(?: on| for)?|look up|lookup|query|check on) {_I}",
            rf"(?:is|are) there (?:any|some)(?: more)? {_I}{_T}",
            rf"(?:do|have|did) (?:we|i) (?:still )?(?:have|got|carry|stock) (?:any |some |enough )?{_I}{_T}",
            rf"(?:any|got any) {_I} (?:left|in stock|on hand|remaining|available)",
            rf"(?:are we|am i|is it) (?:out of|low on|running low on|short on|running out of|getting low on) {_I}",
            rf"(?:are|is) (?:we )?(?!anything |everything |something |nothing |what |which ){_I} (?:running low|low|"
            r"out of stock|in stock|available|getting low)",
            rf"how (?:are we|is|are) (?:we )?(?:doing |looking |set |fixed )?(?:on|for|with) {_I}",
            rf"what (?:do|have) we (?:got|have) (?:of|for|in) {_I}",
            rf"{_I} (?:stock|stock level|inventory|count|on hand|levels?|quantity|in stock)",
            r"how (?:many|much)(?: do we have| have we got| are there| is there| is left| are left| left)?",
        ],
    ),
    (
        "quantity",
        [
            rf"{_Q}(?: of (?:them|those|it))?",
            rf"{_QCS}",
            rf"(?:the )?(?:check(?: digits?)?|digits?|check digits (?:are|is)|the digits are|it is|it says|that is|"
            rf"just|about|roughly|exactly|only) {_Q}",
        ],
    ),
]


def _compile(src: str) -> re.Pattern[str]:
    return re.compile(src.replace("<Q>", _Q))


RULES: list[tuple[str, re.Pattern[str]]] = [
    (intent, _compile(p)) for intent, pats in _RULES_SRC for p in pats
]

COMMAND_INTENTS = frozenset(
    {"repeat", "help", "cancel", "goodbye", "more", "yes", "no", "correction", "quantity"}
)


def is_command_intent(intent: str) -> bool:
    """Intents that answer the current prompt rather than start something new."""
    return intent in COMMAND_INTENTS
