"""The police facts extractor (herts_scraper/extract/facts, docs/facts.md): one or more made-up
sentences per rule and per exclusion, the `extract --format json` output, and passes over the
whole corpus and the labelled sample (slow)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from herts_scraper.extract.facts import FIELDS, Fact, extract_facts, facts_json, facts_of_text
from herts_scraper.extract.facts.force import force_facts
from herts_scraper.extract.facts.gazetteer import gazetteer, place_key
from herts_scraper.extract.facts.kinds import KINDS, OFFENCES, vocabulary
from herts_scraper.extract.facts.phrases import SEPARATOR
from herts_scraper.extract.facts.references import LEAD, references
from herts_scraper.extract.facts.roads import roads
from herts_scraper.extract.facts.scan import scan
from herts_scraper.profiles import ProfileError, bundled_profiles, load_profile
from herts_scraper.record import Article
from tests.conftest import ROOT, shared_path

HERTS = load_profile("hertfordshire")


def facts(body: str, *, title: str = "Police news", profile=HERTS, published: str | None = "2021-03-10",
          description: str | None = None) -> dict[str, list]:
    return facts_json(facts_of_text(title, description, body, published, profile))


def names(places: list[dict]) -> list[str]:
    return [p["name"] for p in places]


# -- the interface --------------------------------------------------------------------------------
def test_every_field_is_present_and_empty_when_the_article_has_none():
    article = Article(url="https://www.herts.police.uk/news-and-appeals/x", area="Hertfordshire", body="")
    out = facts_json(extract_facts(article, HERTS))
    assert list(out) == list(FIELDS) and all(v == [] or k == "kinds" for k, v in out.items())
    assert out["kinds"] == ["other"]


def test_extract_facts_reads_the_article_and_says_how_each_fact_was_found():
    article = Article(url="https://www.herts.police.uk/news-and-appeals/x", area="Hertfordshire",
                      title="Appeal after burglary in Watford", published="2021-03-10",
                      body="A house on Stanhope Road was broken into on Thursday 4 March. Anyone with information is "
                           "asked to call 101 quoting crime reference 41/12345/21.")
    found = extract_facts(article, HERTS)
    assert all(isinstance(f, Fact) and f.field in FIELDS and f.how for f in found)
    out = facts_json(found)
    assert out["references"] == ["41/12345/21"] and out["roads"] == ["Stanhope Road"]
    assert names(out["places"]) == ["Watford"] and out["incident_dates"] == ["2021-03-04"]
    assert "appeal" in out["kinds"] and "burglary" in out["offences"]
    assert [f.how for f in found if f.field == "references"] == ["lead-in 'quoting crime reference'"]


# -- references -----------------------------------------------------------------------------------
@pytest.mark.parametrize("sentence, reference", [
    ("Call 101 quoting crime reference 41/12345/21.", "41/12345/21"),
    ("Please quote reference 21000063162 when you call.", "21000063162"),
    ("Contact us quoting ISR 443 of 12 January.", "ISR 443 of 12 January"),
    ("Call us quoting log 1234 of 04/03/2021.", "1234 of 04/03/2021"),
    ("Ring 101 quoting reference 0028 of 12 July.", "0028 of 12 July"),
    ("Get in touch quoting IML 629423.", "IML 629423"),
    ("Email us quoting DS/RF/069/20.", "DS/RF/069/20"),
    ("The reference A2/18/396 applies.", "A2/18/396"),
    ("Quote reference **20*157072** in any letter.", "20*157072"),
    ("Call quoting incident number 147 of 1 January.", "147 of 1 January"),
])
def test_references_after_their_lead_in_words_as_printed(sentence, reference):
    assert facts(sentence)["references"] == [reference]


def test_a_force_format_is_found_without_lead_in_words_and_listed_once():
    kent = load_profile("kent")
    out = facts("Call 101 quoting 46/1234/21 or 46/5678/21. Again: 46/1234/21.", profile=kent)
    assert out["references"] == ["46/1234/21", "46/5678/21"]


@pytest.mark.parametrize("sentence", [
    "Call 101 or Crimestoppers on 0800 555 111, or 999 in an emergency.",
    "Quoting 101 is the way to reach us; our number is 0300 123 4567.",
    "The incident happened on 12/03/2021 at 10.30pm.",
    "A 34-year-old man from Watford was arrested; he is aged 34.",
    "Goods worth £1,500 were taken, a reference to his earlier crimes.",
    "A section 60 order was in force, under reference to the Public Order Act 1986.",
    "Read more at https://www.herts.police.uk/news/ref/123456/ today.",
])
def test_phone_numbers_dates_times_ages_money_laws_and_urls_are_no_references(sentence):
    assert facts(sentence)["references"] == []


def test_the_date_inside_a_reference_is_no_incident_date():
    out = facts("Anyone with information should call quoting log 1234 of 04/03/2021.")
    assert out["references"] == ["1234 of 04/03/2021"] and out["incident_dates"] == []


# -- operations -----------------------------------------------------------------------------------
def test_operations_by_name_as_printed():
    out = facts("It was part of Operation Sceptre. Op Lightning ran too, and so did Operation SCEPTRE. "
                "The Operational Support Unit and the Project Manager helped.")
    assert out["operations"] == ["Sceptre", "Lightning"]  # once each, whatever the case
    assert facts("Officers on Operation SCEPTRE seized knives.")["operations"] == ["SCEPTRE"]
    assert facts("A man was seen at the Co-Op Store in Ware.")["operations"] == []


def test_operations_as_hashtags_and_of_two_words():
    out = facts("Follow #OpTarget and OpTramline online. Operation Blue Star ended; Operation Sceptre Week of "
                "Action began, and Operation Lightning Watford patrols too. Op Raptor North and Op Castle Merseyside ran, and the "
                "Project Manager Dean spoke. Opposite the OpenAI office.")
    assert out["operations"] == ["Target", "Tramline", "Blue Star", "Sceptre", "Lightning", "Raptor", "Castle"]


# -- kinds and offences ---------------------------------------------------------------------------
def test_an_appeal_about_a_burglary():
    out = facts("Police are appealing for witnesses after a burglary. Anyone with information is asked to "
                "call 101.", title="Appeal after burglary")
    assert out["kinds"] == ["appeal"] and out["offences"] == ["burglary"]


def test_a_case_reported_without_an_appeal_is_a_statement():
    out = facts("A man has been charged with robbery and remanded in custody. He was arrested on Monday.",
                title="Man charged with robbery")
    assert set(out["kinds"]) == {"arrest", "charge", "statement"} and "appeal" not in out["kinds"]


def test_no_arrests_made_is_no_arrest():
    out = facts("Officers are investigating. No arrests have been made. Anyone with information is asked to "
                "contact police.", title="Appeal for information")
    assert "arrest" not in out["kinds"]


def test_advice_about_fraud_in_passing_is_no_fraud_story():
    out = facts("Our new officers were welcomed at an attestation ceremony on Friday. If you have been a victim "
                "of fraud, report it to Action Fraud.", title="New officers join the force")
    assert out["kinds"] == ["event"] and "fraud" not in out["offences"]


def test_a_scam_warning():
    out = facts("Residents are being warned about a scam. Fraudsters are calling people pretending to be "
                "police officers. Never hand over your bank card.", title="Warning about courier fraud scam")
    assert "warning" in out["kinds"] and out["offences"] == ["fraud"]


def test_punches_in_a_robbery_are_the_robbery():
    out = facts("The victim was punched and kicked before his phone was taken in the robbery.",
                title="Robbery in the town centre")
    assert out["offences"] == ["robbery"]


def test_a_missing_person_and_a_collision():
    assert "missing" in facts("Have you seen Sam? She was reported missing from her home on Monday.",
                              title="Missing woman")["kinds"]
    out = facts("A car and a motorcycle were involved in a collision on the A414.", title="Serious collision")
    assert "collision" in out["kinds"] and "vehicle offences and road deaths" in out["offences"]


def test_each_kind_and_group_reads_its_own_longest_phrase():
    # "fatal road traffic collision" is an offence group's phrase; the kind reads the collision inside it
    out = facts("Officers attended a fatal road traffic collision on the A10.", title="Tribute to a father")
    assert "collision" in out["kinds"]
    # "armed robbery" is a zero for weapons, still a robbery
    assert facts("Two men were jailed for an armed robbery at a shop.", title="Men jailed")["offences"] == \
        ["robbery"]


def test_a_bare_assault_in_a_sexual_offence_and_a_death_alone_are_no_violence():
    out = facts("A man has been charged with sexual assault. He is accused of assaulting a woman in a park.",
                title="Man charged with sexual assault")
    assert out["offences"] == ["sexual offences"]
    out = facts("A man died at his home on Friday. His death is not being treated as suspicious.",
                title="Man died at home")
    assert out["offences"] == [] and out["kinds"] == ["statement"]


def test_a_kinds_phrase_counts_once_and_advice_in_passing_is_no_warning():
    out = facts("Our new officers joined us at a ceremony. They gave advice to a resident. Advice was given at "
                "a stall. More advice will follow.", title="New officers join the force")
    assert out["kinds"] == ["event"]


def test_an_image_with_an_appeal_seeks_no_one_but_a_wish_to_identify_does():
    out = facts("Officers have released an image of a stolen ring. Anyone with information is asked to call "
                "101.", title="Appeal after burglary: image of ring released")
    assert "wanted" not in out["kinds"]
    out = facts("Police want to identify this man. Anyone with information is asked to call 101.",
                title="Do you recognise this man?")
    assert {"appeal", "wanted"} <= set(out["kinds"])


def test_a_victims_courage_to_come_forward_and_a_stop_and_search_are_no_appeal_or_arrest():
    out = facts("Smith was jailed for two years. It took courage for the victim to come forward. Earlier, two men "
                "were detained and searched.", title="Man jailed for assault")
    assert "appeal" not in out["kinds"] and "arrest" not in out["kinds"] and "statement" in out["kinds"]
    out = facts("Following our appeal earlier this week, the man has been located and arrested. Seven riders "
                "were given official warnings.", title="Update: wanted man arrested")
    assert "appeal" not in out["kinds"] and "warning" not in out["kinds"] and "statement" in out["kinds"]


def test_an_offence_reported_with_no_other_kind_is_a_statement():
    out = facts("Officers on patrol found cannabis plants growing in a house. Enquiries are ongoing.",
                title="Cannabis found by officers")
    assert out["kinds"] == ["statement"] and out["offences"] == ["drug offences"]


def test_a_vehicle_broken_into_is_a_theft_and_stealing_in_a_robbery_is_the_robbery():
    out = facts("Two vans were broken into overnight and power tools were taken. Anyone with information is "
                "asked to call 101.", title="Appeal after vans broken into")
    assert out["offences"] == ["theft"]
    out = facts("The man pushed the victim to the ground before stealing his wallet.", title="Robbery in the park")
    assert out["offences"] == ["robbery"]


def test_advice_about_carrying_knives_hate_crime_and_figures_of_speech_are_no_offence():
    out = facts("The workshop aims to deter young people from carrying knives. Our hate crime officers can help, "
                "and a hate crime is any offence targeted at a person.", title="School workshop for pupils")
    assert out["offences"] == []
    assert facts("His family said they had been robbed of so much.", title="Tribute to a father")["offences"] == []


def test_an_altercation_is_violence_and_a_bare_collision_no_road_offence():
    out = facts("Two men were taken to hospital after an altercation outside a bar.", title="Appeal after altercation")
    assert out["offences"] == ["violence against the person"]
    out = facts("Officers were called to a three-vehicle collision. The road was closed for an hour.",
                title="Road closed for an hour")
    assert "collision" in out["kinds"] and out["offences"] == []


def test_advice_to_victims_and_items_to_recognise_are_no_appeal_or_wanted():
    out = facts("Our new liaison officer supports victims and witnesses. You can call 101 and leave a message.",
                title="New liaison officer joins the team")
    assert "appeal" not in out["kinds"]
    out = facts("A man has been charged with burglary. If you recognise any of the items pictured, call 101.",
                title="Man charged after burglary")
    assert "wanted" not in out["kinds"]


def test_a_call_to_be_extra_vigilant_is_a_warning_and_a_rearrest_an_arrest():
    out = facts("Police are calling on caravan owners to be extra vigilant after thefts. Learn to spot the signs "
                "of a bogus buyer.", title="Caravan owners urged to stay alert")
    assert "warning" in out["kinds"]
    out = facts("A 40-year-old man has been re-arrested on suspicion of murder.", title="Update on investigation")
    assert "arrest" in out["kinds"]


def test_the_vocabulary_uses_only_the_documented_kinds_and_groups_and_no_phrase_twice():
    vocab = vocabulary()
    assert {name for field, name in vocab.thresholds if field == "kinds"} <= set(KINDS)
    assert {name for field, name in vocab.thresholds if field == "offences"} == set(OFFENCES)
    data = yaml.safe_load((ROOT / "herts_scraper/extract/facts/vocabulary.yaml").read_text("utf-8"))
    for field in ("kinds", "offences"):
        for name, spec in data[field].items():
            phrases = [p for ps in spec["cues"].values() for p in ps]
            assert len(phrases) == len(set(phrases)), f"{field} {name}: a phrase listed twice"


@pytest.mark.parametrize("sentence", [
    "A man was charged with burglary and robbery after a knife crimes operation in the town centre.",
    "Anyone with information should call 101 quoting crime reference 41/12345/26, or the cybercrime "
    "reference 99/1/26; the incident log 455 of 3 May.",
    "(Stolen) vehicles, 'armed robbery'/theft: no arrests have been made.\nRefs: 123456. Quoted: 7.",
    "On the way to 4 Kingsway, away from Eastgate Way, they went along Queensway to investigate.",
])
def test_the_one_scan_finds_what_the_regexes_found(sentence):
    """scan.py's hits: the cue phrases the kinds' regex finds and the lead-ins LEAD finds, no more, no less."""
    lowered = sentence.lower()
    hits = scan(lowered)
    assert hits.cues == [(m.start(), m.group()[1:]) for m in vocabulary().regex.finditer(SEPARATOR + lowered)]
    led = [m.span() for m in LEAD.finditer(lowered)]
    assert all(start in hits.leads for start, _ in led)
    force = force_facts(load_profile("hertfordshire"))
    assert references(sentence, force, lowered, hits.leads) == references(sentence, force, lowered)
    assert roads(sentence, force, hits.road_ends) == roads(sentence, force)


# -- places ---------------------------------------------------------------------------------------
def test_places_from_the_gazetteer_with_coordinates_and_from_the_profile():
    out = facts("Officers were called to an address in Watford. The man lives in Leavesden.")
    watford, leavesden = out["places"]
    assert watford["name"] == "Watford" and 51.6 < watford["lat"] < 51.7 and -0.5 < watford["lon"] < -0.3
    assert leavesden["name"] == "Leavesden" and leavesden["lat"] is not None


def test_the_gazetteer_name_is_given_for_a_shorter_form():
    assert names(facts("A shop in Letchworth was targeted.")["places"]) == ["Letchworth Garden City"]


@pytest.mark.parametrize("sentence", [
    "He was sentenced at St Albans Crown Court.",
    "He appeared at Watford General Hospital and Hatfield police station.",
    "Patrols across Hertfordshire and the Three Rivers district continue.",
    "The car was seen on Luton Road.",
    "Officers from the Hertsmere Borough Council team attended.",
])
def test_institutions_counties_districts_and_roads_are_no_places(sentence):
    assert facts(sentence)["places"] == []


def test_a_town_that_locates_another_or_an_institution_is_no_place_of_the_story():
    assert names(facts("A man was attacked in Bedmond, Watford. He was sentenced at the Old Bailey in London. "
                       "Call the Coroner's Office in Luton.")["places"]) == ["Bedmond"]
    # a list goes on: each is a place
    assert names(facts("Patrols were held in Ware, Hertford and Hoddesdon.")["places"]) == ["Ware", "Hertford",
                                                                                           "Hoddesdon"]


@pytest.mark.parametrize("profile, sentence, place", [
    ("hertfordshire", "A shed was set alight in Stanstead Abbotts.", "Stanstead Abbotts"),
    ("derbyshire", "The man, from Clay Cross, was arrested.", "Clay Cross"),
    ("thames-valley", "A car was stolen in Caversham overnight.", "Caversham"),
    ("hampshire", "A house was burgled in Chandlers Ford.", "Chandler's Ford"),
])
def test_villages_and_districts_the_gazetteer_lacks_come_from_the_profile(profile, sentence, place):
    (found,) = facts(sentence, profile=load_profile(profile))["places"]
    assert found["name"] == place and found["lat"] is not None


@pytest.mark.parametrize("profile, sentence, place", [
    ("hertfordshire", "A van was stolen in Bishop's Stortford overnight.", "Bishops Stortford"),
    ("hertfordshire", "A van was stolen in Bishop\u2019s Stortford overnight.", "Bishops Stortford"),
    ("hampshire", "A house was burgled in Chandler's Ford.", "Chandler's Ford"),
    ("hertfordshire", "Watford's new patrols began in Ware.", "Watford"),  # a possessive: the town itself
])
def test_a_name_spelt_with_an_apostrophe_is_found(profile, sentence, place):
    assert names(facts(sentence, profile=load_profile(profile))["places"])[0] == place


def test_an_ambiguous_name_is_the_place_in_the_force_area():
    out = facts("A man was attacked in Walton last night.", profile=load_profile("merseyside"))
    (walton,) = out["places"]
    assert walton["name"] == "Walton" and 53.3 < walton["lat"] < 53.6  # Liverpool's, not another county's


def test_a_place_outside_the_force_area_counts_only_in_strong_context():
    assert names(facts("The man, from Luton, was arrested.")["places"]) == ["Luton"]
    assert facts("Luton Town fans were praised.")["places"] == []
    assert names(facts("He has links to Watford, Ilford and Luton.")["places"]) == ["Watford", "Ilford", "Luton"]


def test_an_everyday_word_is_a_place_only_where_it_places_the_story():
    kent = load_profile("kent")
    assert names(facts("Speed checks were carried out in Deal on Friday.", profile=kent)["places"]) == ["Deal"]
    assert facts("Deal with it, he said. It was a good deal.", profile=kent)["places"] == []


def test_every_force_profile_has_an_area_and_its_facts_section_compiles():
    for name in bundled_profiles():
        force = force_facts(load_profile(name))
        assert force.bbox is not None, name
        for places in force.extra.values():
            assert all(p.lat is None or force.inside(p) for p in places), f"{name}: an extra place outside its box"


def test_a_bad_facts_section_is_a_one_line_profile_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("extends: soh-platform\nname: bad\narea: Bad\norigin: https://bad.example\nforce_slug: bad\n"
                    "facts:\n  reference_formats:\n    - format: '41/(\\d'\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="reference_formats"):
        force_facts(load_profile(str(path)))


def test_the_gb_gazetteer_is_cached_in_the_user_cache_folder(tmp_path):
    code = ("import time; t = time.perf_counter();"
            "from herts_scraper.extract.facts.gazetteer import gazetteer, _cache_file; g = gazetteer();"
            "print(len(g), _cache_file())")
    env = {"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    count, cache_file = first.stdout.split()
    assert int(count) > 5000 and Path(cache_file).is_file() and str(tmp_path) in cache_file
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert second.stdout == first.stdout
    assert "watford" in gazetteer() and place_key("Bishop's Stortford") == place_key("Bishops Stortford")


# -- roads ----------------------------------------------------------------------------------------
def test_roads_as_printed_without_house_numbers():
    out = facts("It happened at 12 High Street, near Stanhope Road, and on junction 21 of the M25 and the A414. "
                "The Green and Croxley Green were quiet.")
    assert out["roads"] == ["High Street", "Stanhope Road", "M25", "A414", "The Green"]


def test_a_street_that_shares_a_gazetteer_name_is_a_road():
    assert facts("Officers were called to Church Street and Croxley Green.")["roads"] == ["Church Street"]


def test_junction_road_is_a_road_and_a_motorway_junction_none():
    out = facts("The van left Junction Road and joined the M25 at Junction 21 of the motorway.")
    assert out["roads"] == ["Junction Road", "M25"]


def test_a_hill_is_a_road_after_a_house_number_or_in_on_along_off():
    out = facts("A car was stolen from 4 Breeze Hill, driven along Arthurs Hill and on to Mount Hill, and left "
                "at the junction of Cable Hill. Walkers climbed Dunstable Hill.")
    assert out["roads"] == ["Breeze Hill", "Arthurs Hill", "Mount Hill", "Cable Hill"]
    assert facts("It happened in Croxley Green.")["roads"] == []  # the gazetteer's place, not a road


def test_a_one_word_road_ending_in_way_or_gate_where_the_words_place_it():
    out = facts("Officers stopped a car on Queensway, then at 12 Kingsway and off Eastgate. Midway through, "
                "Parkway Motors closed, and so did a shop on Washway Road. He went to Harrogate and lives in Harrogate.")
    assert out["roads"] == ["Queensway", "Kingsway", "Eastgate", "Washway Road"]


def test_a_numbered_road_before_a_named_one_is_two_roads():
    assert facts("The crash was on the A41 New Chester Road.")["roads"] == ["A41", "New Chester Road"]


# -- people ---------------------------------------------------------------------------------------
def test_people_with_an_age_and_a_gender():
    out = facts("A 34-year-old man from Watford and a 17-year-old male were arrested. Two girls aged 15 and 16 "
                "were spoken to. A thirty-four-year-old woman was a witness.")
    assert out["people"] == [{"age": 34, "gender": "man"}, {"age": 17, "gender": "boy"},
                             {"age": 15, "gender": "girl"}, {"age": 16, "gender": "girl"},
                             {"age": 34, "gender": "woman"}]


def test_a_named_person_takes_the_gender_of_the_pronoun_that_follows():
    out = facts("Sgt Jones said she was pleased. John Smith, 45, of Park Road, was charged. He will appear in "
                "court. A 17-year-old was also held.")
    assert out["people"] == [{"age": 45, "gender": "man"}, {"age": 17, "gender": "person"}]
    # no pronoun close by, but the article speaks of men only
    out = facts("A 17-year-old was also held. Officers searched the car and found his phone. He was bailed.")
    assert out["people"] == [{"age": 17, "gender": "boy"}]


def test_the_articles_nouns_of_one_sex_give_the_gender():
    out = facts("Four men were charged after a raid. Alan Reed, 45, of Mill Lane, and Ben Shaw, 37, of Elm Road, "
                "were remanded.")
    assert out["people"] == [{"age": 45, "gender": "man"}, {"age": 37, "gender": "man"}]
    # a woman too: the text does not say which is which
    out = facts("A man and a woman were charged. Alan Reed, 45, of Mill Lane, was remanded.")
    assert out["people"] == [{"age": 45, "gender": "person"}]


def test_a_noun_or_a_first_name_then_the_age():
    out = facts("A woman, 30, and two men, aged, 22 and 25, were held. A fourth man, 40, was bailed. "
                "This is what happened to Peter, 75, from Ware: he lost his savings.")
    assert out["people"] == [{"age": 30, "gender": "woman"}, {"age": 22, "gender": "man"},
                             {"age": 25, "gender": "man"}, {"age": 40, "gender": "man"},
                             {"age": 75, "gender": "man"}]
    assert facts("It happened on Monday, 12 and more were there.")["people"] == []


def test_two_ages_joined_by_and_are_two_people_and_an_age_given_twice_is_one():
    out = facts("An 18-year-old woman and 17-year-old girl were spoken to.")
    assert out["people"] == [{"age": 18, "gender": "woman"}, {"age": 17, "gender": "girl"}]
    out = facts("A 17-year-old boy was stabbed at a party. Both friends were 17-years-old.")
    assert out["people"] == [{"age": 17, "gender": "boy"}]


@pytest.mark.parametrize("sentence", [
    "A cyclist in his 40s was hurt.",
    "The suspects are aged between 20 and 30.",
    "Young people aged 16-24 are invited.",
    "He is described as aged about 16.",
    "The baby, aged three months, was unhurt.",
    "A 10-year-old car was stolen.",
])
def test_ranges_approximations_and_things_are_no_people(sentence):
    assert facts(sentence)["people"] == []


# -- incident dates -------------------------------------------------------------------------------
def test_incident_dates_full_and_with_a_weekday():
    out = facts("On Thursday 4 March a car was stolen. A second theft was on 27 February 2021, and a third on "
                "Saturday (6/3). He was sentenced on Friday (Feb 28).", published="2021-03-10")
    assert out["incident_dates"] == ["2021-03-04", "2021-02-27", "2021-03-06", "2020-02-28"]


def test_dates_ahead_of_publication_of_birth_and_without_a_year_or_weekday_are_left_out():
    out = facts("He was born on 4 May 1990. He will be sentenced on Friday 19 March. It happened on 2 March. "
                "\n\nIssued: 10 March 2021", published="2021-03-10")
    assert out["incident_dates"] == []


def test_a_date_in_brackets_after_a_name_is_a_birth_date_and_a_weekday_ahead_an_event_to_come():
    out = facts("Jordan Green (18/01/2001) of Mill Lane was charged. Today (10/03/21) he was sentenced. Join us "
                "from Monday June 14 to Sunday June 20 for our week of action.", published="2021-03-10")
    assert out["incident_dates"] == ["2021-03-10"]


# -- the command ----------------------------------------------------------------------------------
def test_extract_json_shows_every_field_and_the_evidence(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Appeal after burglary in Hitchin | Hertfordshire Constabulary</title></head>"
                    "<body><main><h1>Appeal after burglary in Hitchin</h1><p>A house on Bancroft Road was broken "
                    "into. Anyone with information should call 101 quoting crime reference 41/2222/21.</p>"
                    "</main></body></html>", encoding="utf-8")
    url = "https://www.herts.police.uk/news-and-appeals/Appeal-0101"
    result = subprocess.run([sys.executable, "-m", "herts_scraper", "extract", str(page), "--url", url,
                             "--format", "json", "--profile", "hertfordshire"], capture_output=True, text=True,
                            encoding="utf-8")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert all(field in data and isinstance(data[field], list) for field in FIELDS)
    assert data["references"] == ["41/2222/21"] and data["people"] == [] and data["operations"] == []
    assert names(data["places"]) == ["Hitchin"] and data["roads"] == ["Bancroft Road"]
    assert {"field": "references", "value": "41/2222/21", "how": "lead-in 'quoting crime reference'",
            "detail": None} in data["facts"]


# -- real records (slow) --------------------------------------------------------------------------
PHONE_OR_DATE = re.compile(r"(?:101|999|111|0\d{3,4}(?: ?\d{3,4}){1,2}|\d{1,2}/\d{1,2}/\d{2,4}|(?:19|20)\d\d)")


@pytest.mark.slow
def test_every_corpus_record_gives_facts_and_never_a_phone_number_or_a_date_as_a_reference():
    sys.path.insert(0, str(ROOT / "bench"))
    import facts_score

    corpus = shared_path("corpus")
    profiles = facts_score.profiles_by_folder()
    records = sorted(corpus.glob("*/*.md"))
    assert len(records) > 1000
    for path in records:
        profile = profiles.get(path.parent.name)
        parts = facts_score.record_parts(path, profile)
        found = facts_of_text(parts["title"], parts["description"], parts["body"], parts["published"], profile)
        out = facts_json(found)
        assert list(out) == list(FIELDS) and out["kinds"], path
        for reference in out["references"]:
            assert not PHONE_OR_DATE.fullmatch(reference), (path, reference)


# Floors a little under the development set's figures (parts 1-2, bench/facts_score.py): a regression
# fails here. The held-out parts are measured, not floored: the rules were not tuned on them.
FLOORS = {"references": (0.95, 0.93), "operations": (0.95, 0.95), "kinds": (0.92, 0.96), "offences": (0.84, 0.89),
          "places": (0.94, 0.97), "roads": (0.98, 0.96), "people": (0.92, 0.91), "incident_dates": (0.91, 0.94)}


@pytest.mark.slow
def test_precision_and_recall_on_the_labelled_sample_stay_above_their_floors(tmp_path):
    shared_path("corpus")
    out = tmp_path / "facts-score.json"
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "facts_score.py"), "--out", str(out)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())["dev"]["fields"]
    for field, (precision, recall) in FLOORS.items():
        assert figures[field]["precision"] >= precision, (field, figures[field])
        assert figures[field]["recall"] >= recall, (field, figures[field])
