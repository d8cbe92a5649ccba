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
# "a 34-year-old man", "the 17-year-old", "both 17-years-old", "a thirty-four-year-old woman"
YEAR_OLD = re.compile(
    rf"(?<![\w-])(?P<age>{_NUMBER})[- ]years?[- ]olds?(?![\w-])"
    rf"(?:,? (?:(?:teenage|young|elderly|local|british|white|black|asian|unnamed|injured|older|younger) )?"
    rf"(?P<noun>{_GENDER_WORD})\b)?",
    re.I,
)
# "a man aged 34", "a woman, aged 52,", "aged 15 and 16"
AGED = re.compile(
    rf"(?:\b(?P<noun>{_GENDER_WORD}),? )?(?:who is |who was |was |is )?\baged (?:just |only )?(?P<age>{_NUMBER})\b"
    rf"(?P<more>(?:,? (?:and|&) (?:{_NUMBER})|, (?:{_NUMBER}))*)(?! ?(?:-|to|or|months?|weeks?|days?)\b)",
    re.I,
)
# "John Smith, 34, of Watford", "Smith (34)"
NAME_AGE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|[A-Z][a-z'-]+) [A-Z][A-Za-z'-]+"
                      r"(?:, (?P<age1>\d{1,2})(?=[,.;] | and | of | from )| \((?P<age2>\d{1,2})\))")
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


def _gender(noun: str | None, age: int, text: str, end: int) -> str:
    sex = _NOUNS.get(noun.lower()) if noun else None
    if sex in ("man", "woman", "boy", "girl"):
        return sex
    if sex is None:  # no gendered noun: the pronoun that follows, within the next sentence or so
        window = text[end:end + 220]
        m = _PRONOUN.search(window)
        if m is None:
            return "person"
        sex = "male" if m.group("male") else "female"
    if sex == "male":
        return "man" if age >= 18 else "boy"
    return "woman" if age >= 18 else "girl"


def people(text: str) -> list[tuple[int, str, str]]:
    """[(age, gender, how)], in order of first appearance, once each (age, gender)."""
    found: list[tuple[int, int, str, str]] = []  # (position, age, gender, how)
    if "year" in text or "aged" in text.lower():
        for m in YEAR_OLD.finditer(text):
            if _APPROXIMATE.search(text, max(0, m.start() - 20), m.start()):
                continue
            age = _age(m.group("age"))
            if age is None or (m.group("noun") is None and _NOT_PEOPLE.match(text, m.end())):
                continue
            found.append((m.start(), age, _gender(m.group("noun"), age, text, m.end()), "'N-year-old'"))
        for m in AGED.finditer(text):
            ages = [m.group("age"), *re.findall(_NUMBER, m.group("more") or "", re.I)]
            for a in ages:
                age = _age(a)
                if age is not None:
                    found.append((m.start(), age, _gender(m.group("noun"), age, text, m.end()), "'aged N'"))
    for m in NAME_AGE.finditer(text):
        age = _age(m.group("age1") or m.group("age2"))
        if age is None:
            continue
        sex = _TITLE_GENDER.get(m.group().split(" ")[0])
        found.append((m.start(), age, _gender(sex, age, text, m.end()), "'Name, N,'"))
    found.sort(key=lambda f: f[0])
    out, seen = [], set()
    for _, age, gender, how in found:
        if (age, gender) not in seen:
            seen.add((age, gender))
            out.append((age, gender, how))
    return out
