"""People described with an age: `a 34-year-old man`, `a man aged 34`, `Smith, 34,`, `John Smith (34)`,
ages in words too (`thirty-four-year-old`). The gender is the noun's (man, woman, boy, girl; male,
female, son, daughter and the like by the age), else the first pronoun or "the boy/man/..." that
follows in the next sentence or so; else `person`. Ranges and approximations ("aged between 20 and
30", "in his 20s", "aged about 16", "16 to 18-year-olds") are left out (docs/facts.md)."""

from __future__ import annotations

import re

_UNITS = "one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
WORD_NUMBERS = {w: i + 1 for i, w in enumerate(_UNITS)} | {w: i + 10 for i, w in enumerate(_TEENS)}
for _t, _tens in enumerate(_TENS, 2):
    WORD_NUMBERS[_tens] = _t * 10
    for _u, _unit in enumerate(_UNITS, 1):
        WORD_NUMBERS[f"{_tens}-{_unit}"] = WORD_NUMBERS[f"{_tens} {_unit}"] = _t * 10 + _u
_NUMBER = r"(?:\d{1,3}|" + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True)) + ")"

_NOUNS = {
    "man": "man", "men": "man", "gentleman": "man", "father": "man", "husband": "man", "dad": "man",
    "grandfather": "man", "grandad": "man", "granddad": "man", "boyfriend": "man", "uncle": "man",
    "woman": "woman", "women": "woman", "lady": "woman", "mother": "woman", "wife": "woman", "mum": "woman",
    "grandmother": "woman", "gran": "woman", "girlfriend": "woman", "aunt": "woman",
    "boy": "boy", "boys": "boy", "schoolboy": "boy", "lad": "boy",
    "girl": "girl", "girls": "girl", "schoolgirl": "girl",
    "male": "male", "males": "male", "son": "male", "brother": "male", "grandson": "male", "nephew": "male",
    "female": "female", "females": "female", "daughter": "female", "sister": "female",
    "granddaughter": "female", "niece": "female",
}
_GENDER_WORD = "|".join(sorted(_NOUNS, key=len, reverse=True))
# Each finder opens with a literal ("year", "aged", ", N,"), which re finds fast; the words around
# it are read from a short window.
YEAR_OLD = re.compile(r"years?[- ]olds?(?![\w-])")
_AGE_BEFORE = re.compile(rf"(?<![\w-])(?P<age>{_NUMBER})[- ]$")
_NOUN_AFTER = re.compile(r",? (?:(?:teenage|young|elderly|local|british|white|black|asian|unnamed|injured|older"
                         r"|younger) )?"
                         rf"(?P<noun>{_GENDER_WORD})\b")
AGED = re.compile(rf"aged (?:just |only )?(?P<age>{_NUMBER})\b(?P<more>(?:,? (?:and|&) {_NUMBER}|, {_NUMBER})*)"
                  r"(?! ?(?:-|to|or|months?|weeks?|days?)\b)")
_NOUN_BEFORE = re.compile(rf"\b(?P<noun>{_GENDER_WORD}),? (?:who is |who was |was |is )?$")
# "John Smith, 34, of Watford", "Smith (34)"
NAME_AGE = re.compile(r", (?P<age1>\d{1,2})(?=[,.;] | and | of | from )| \((?P<age2>\d{1,2})\)")
_NAME_BEFORE = re.compile(r"\b(?P<first>Mr|Mrs|Ms|Miss|[A-Z][a-z'-]+) [A-Z][A-Za-z'-]+$")
_APPROXIMATE = re.compile(r"(?:about|around|approximately|roughly|estimated|between|late|early|mid|or|to|and|-|"
                          r"believed to be|thought to be|possibly|perhaps|over|under|some)\W*$", re.I)
_PRONOUN = re.compile(r"\b(?:(?P<male>he|him|his|himself|the (?:boy|man|male|teenage boy|schoolboy|father|son))"
                      r"|(?P<female>she|her|herself"
                      r"|the (?:girl|woman|female|teenage girl|schoolgirl|mother|daughter)))\b", re.I)
_NOT_PEOPLE = re.compile(r" ?(?:car|vehicle|house|home|building|tree|dog|cat|horse|tradition|case|record|business)\b",
                         re.I)
_TITLE_GENDER = {"Mr": "male", "Mrs": "female", "Ms": "female", "Miss": "female"}


def _age(text: str) -> int | None:
    text = text.lower()
    value = int(text) if text.isdigit() else WORD_NUMBERS.get(text)
    return value if value is not None and 0 < value < 120 else None


_TITLE_BEFORE = re.compile(r"\b(Mr|Mrs|Ms|Miss)\.? [A-Z][\w'-]*(?: [A-Z][\w'-]*)?,?(?: who (?:is|was))? $")
_ALL_PRONOUNS = re.compile(r"\b(?:(?P<male>he|his|him|himself)|(?P<female>she|her|hers|herself))\b")


class _Article:
    """The article's own sex, when every gendered pronoun in it is of one (computed on first use)."""

    def __init__(self, lowered: str):
        self.lowered = lowered
        self._sex: str | None | bool = False

    @property
    def sex(self) -> str | None:
        if self._sex is False:
            found = {"male" if m.group("male") else "female" for m in _ALL_PRONOUNS.finditer(self.lowered)}
            self._sex = found.pop() if len(found) == 1 else None
        return self._sex  # type: ignore[return-value]


def _gender(noun: str | None, age: int, text: str, end: int, article: _Article | None = None) -> str:
    sex = _NOUNS.get(noun.lower()) if noun else None
    if sex in ("man", "woman", "boy", "girl"):
        return sex
    if sex is None:  # no gendered noun: the pronoun that follows, within the next sentence or so
        window = text[end:end + 220]
        m = _PRONOUN.search(window)
        if m is not None:
            sex = "male" if m.group("male") else "female"
        elif article is not None and article.sex is not None:
            sex = article.sex  # "he" and "his" throughout, and no "she": the people are men or boys
        else:
            return "person"
    if sex == "male":
        return "man" if age >= 18 else "boy"
    return "woman" if age >= 18 else "girl"


def people(text: str, lowered: str | None = None) -> list[tuple[int, str, str]]:
    """[(age, gender, how)], in order of first appearance, once each (age, gender)."""
    lowered = text.lower() if lowered is None else lowered
    article = _Article(lowered)
    found: list[tuple[int, int, str, str]] = []  # (position, age, gender, how)
    for m in YEAR_OLD.finditer(lowered):
        before = _AGE_BEFORE.search(lowered, max(0, m.start() - 22), m.start())
        if before is None or _APPROXIMATE.search(lowered, max(0, before.start() - 20), before.start()):
            continue
        age = _age(before.group("age"))
        noun = _NOUN_AFTER.match(lowered, m.end())
        if age is None or (noun is None and _NOT_PEOPLE.match(lowered, m.end())):
            continue
        title = None if noun else _TITLE_BEFORE.search(text, max(0, before.start() - 40), before.start())
        sex = noun.group("noun") if noun else (_TITLE_GENDER[title.group(1)] if title else None)
        found.append((before.start(), age, _gender(sex, age, text, m.end(), article), "'N-year-old'"))
    for m in AGED.finditer(lowered):
        if m.start() and lowered[m.start() - 1].isalnum():
            continue  # "managed 3", "engaged 20"
        noun = _NOUN_BEFORE.search(lowered, max(0, m.start() - 30), m.start())
        for a in [m.group("age"), *re.findall(_NUMBER, m.group("more") or "")]:
            age = _age(a)
            if age is not None:
                found.append((m.start(), age, _gender(noun and noun.group("noun"), age, text, m.end(), article),
                              "'aged N'"))
    for m in NAME_AGE.finditer(text):
        name = _NAME_BEFORE.search(text, max(0, m.start() - 40), m.start())
        age = _age(m.group("age1") or m.group("age2"))
        if name is None or age is None:
            continue
        sex = _TITLE_GENDER.get(name.group("first"))
        found.append((name.start(), age, _gender(sex, age, text, m.end(), article), "'Name, N,'"))
    found.sort(key=lambda f: f[0])
    out, seen = [], set()
    for _, age, gender, how in found:
        if (age, gender) not in seen:
            seen.add((age, gender))
            out.append((age, gender, how))
    return out
