"""Short forms of given names and the full form each stands for, folded (ü → ue, ß → ss).

German and English forms as they turn up in lead lists. A short form that stands for several
full names (Chris: Christian, Christoph, Christopher, Christine) is left out: it would join
people who are not the same, and the fuzzy comparisons still see how close the names are.
"""

from __future__ import annotations

_GROUPS: dict[str, tuple[str, ...]] = {
    # English
    "abigail": ("abby", "abbie"),
    "albert": ("bert", "al"),
    "alexander": ("alex", "alec", "sandy", "xander", "sascha", "sasha"),
    "andrew": ("andy", "drew"),
    "anthony": ("tony", "ant"),
    "benjamin": ("ben", "benji", "benny"),
    "catherine": ("cathy", "kate", "katie", "kathy", "cat"),
    "charles": ("charlie", "chuck", "chas"),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davy"),
    "deborah": ("debbie", "debby", "deb"),
    "edward": ("ed", "eddie", "ted", "teddy", "ned"),
    "elizabeth": ("liz", "lizzy", "beth", "betty", "eliza", "lisa", "liesl", "elsbeth"),
    "frederick": ("fred", "freddie", "freddy"),
    "gregory": ("greg",),
    "henry": ("harry", "hank"),
    "jacob": ("jake",),
    "james": ("jim", "jimmy", "jamie"),
    "jennifer": ("jen", "jenny"),
    "jonathan": ("jon", "jonny"),
    "joseph": ("joe", "joey"),
    "joshua": ("josh",),
    "kenneth": ("ken", "kenny"),
    "lawrence": ("larry",),
    "margaret": ("maggie", "meg", "peggy", "marge", "greta", "grete", "gretel", "margit"),
    "matthew": ("matt",),
    "michael": ("mike", "mick", "mickey", "micha", "michi"),
    "nicholas": ("nick", "nicky"),
    "patricia": ("pat", "patty", "trish", "tricia"),
    "patrick": ("paddy",),
    "peter": ("pete",),
    "philip": ("phil",),
    "rebecca": ("becky", "becca"),
    "richard": ("rick", "ricky", "dick", "rich", "richie"),
    "robert": ("bob", "bobby", "rob", "robbie", "bert", "robby"),
    "ronald": ("ron", "ronnie"),
    "samuel": ("sam", "sammy"),
    "stephen": ("steve", "stevie", "steven"),
    "susan": ("sue", "susie", "suzy"),
    "theodore": ("theo",),
    "thomas": ("tom", "tommy", "thommy", "tommi"),
    "timothy": ("tim", "timmy"),
    "victoria": ("vicky", "vicki", "tori"),
    "william": ("will", "bill", "billy", "willy", "liam"),
    # German
    "andreas": ("andi", "andy", "res"),
    "barbara": ("babsi", "barbi", "babs"),
    "bernhard": ("bernd", "berni"),
    "christiane": ("christa",),
    "dorothea": ("doris", "thea", "dora"),
    "eberhard": ("ebi",),
    "friedrich": ("fritz", "friedel", "fred"),
    "gabriele": ("gabi", "gaby"),
    "gottfried": ("friedl",),
    "heinrich": ("heinz", "heiner", "hein", "henning"),
    "helmut": ("helle",),
    "hermann": ("hermi",),
    "johann": ("hans", "hannes", "jo", "johannes", "jan", "hanno"),
    "johanna": ("hanna", "hanne", "jo"),
    "josef": ("sepp", "seppl", "joseph", "jupp", "beppo"),
    "katharina": ("kathi", "kati", "katja", "kathrin", "katrin", "trine"),
    "konrad": ("conny", "kurt", "conrad"),
    "ludwig": ("lutz", "lu", "louis"),
    "magdalena": ("lena", "leni", "magda"),
    "maria": ("marie", "mia", "mitzi", "ria", "mariele"),
    "matthias": ("matze", "hias", "mathias"),
    "nikolaus": ("klaus", "niko", "nico", "niklas", "claus"),
    "rudolf": ("rudi", "dolf"),
    "sebastian": ("basti", "wastl"),
    "susanne": ("susi", "sanne"),
    "theresia": ("resi", "theresa", "therese", "tessa"),
    "ulrich": ("uli", "ulli"),
    "walter": ("walt", "wolle"),
    "wilhelm": ("willi", "wim", "helm"),
    "wolfgang": ("wolf", "wolfi"),
}


def _index(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for root, short_forms in groups.items():
        for short in short_forms:
            # A short form claimed by two roots stands for neither.
            index[short] = root if short not in index else ""
    return {short: root for short, root in index.items() if root and short != root}


NICKNAMES: dict[str, str] = _index(_GROUPS)
