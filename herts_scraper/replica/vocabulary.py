"""Words the replica's article generator draws from (the project's own, no corpus text).

Nothing here may contain a profile furniture phrase: the tests check.
"""

TOWNS = (
    "Watford", "St Albans", "Stevenage", "Hemel Hempstead", "Hitchin", "Letchworth Garden City",
    "Hatfield", "Welwyn Garden City", "Harpenden", "Hertford", "Ware", "Bishop's Stortford",
    "Borehamwood", "Cheshunt", "Tring", "Berkhamsted", "Royston", "Baldock", "Potters Bar",
    "Rickmansworth",
)

DISTRICTS = (
    "Dacorum", "Three Rivers", "Hertsmere", "Broxbourne", "East Herts", "North Herts",
    "Welwyn Hatfield", "St Albans district", "Stevenage borough", "Watford borough",
)

STREETS = (
    "High Street", "Station Road", "London Road", "Church Lane", "Victoria Street", "The Parade",
    "Queensway", "Park Avenue", "Mill Lane", "Hatfield Road", "Marlowes", "Bancroft", "Fore Street",
    "Cassio Road", "Bridge Road", "Hollybush Lane", "Kingsway", "Market Place", "Orchard Close",
    "Brookfield Lane", "Lytton Way", "Gaddesden Row", "Cowper Road", "Ashwell Street",
)

PLACES = (
    "a car park", "a petrol station", "a supermarket", "a bus stop", "a playing field",
    "the town centre", "a retail park", "an alleyway", "a residential street", "a railway station",
)

FIRST_NAMES = (
    "Zoë", "José", "Siobhán", "Renée", "Chloë", "Aoife", "Björn", "Łukasz", "Agnieszka", "Inés",
    "Oliver", "Amelia", "Harry", "Priya", "Mohammed", "Grace", "Daniel", "Sophie", "Kwame", "Hannah",
    "Tomás", "Élodie", "Niamh", "Rhys", "Fatima", "Callum", "Leah", "Marcus", "Yasmin", "Owen",
)

SURNAMES = (
    "Müller", "Nuñez", "O'Sullivan", "Okafor", "Kowalski", "Patel", "Hughes", "Fernández",
    "Lindqvist", "Brennan", "Ahmed", "Whitaker", "Dvořák", "Campbell", "Ó Floinn", "Thompson",
    "Mendes", "Hargreaves", "Nakamura", "Clarke", "Bećirović", "Rowe", "Adeyemi", "Fitzgerald",
)

RANKS = (
    "PC", "PCSO", "DC", "Sergeant", "Detective Sergeant", "Inspector", "Detective Inspector",
    "Chief Inspector", "Detective Chief Inspector", "Superintendent", "Chief Superintendent",
)

TEAMS = (
    "Local Crime Unit", "Safer Neighbourhood Team", "Rural Operational Support Team",
    "Road Policing Unit", "Major Crime Unit", "Operation Scorpion team", "Child Protection Unit",
    "Serious Fraud and Cyber Unit", "Intervention Team", "Priority Crime Team",
)

OPERATIONS = ("Operation Cobalt", "Operation Lynx", "Operation Meadow", "Operation Granite",
              "Operation Falcon", "Operation Sentinel", "Operation Tamar", "Operation Harrier")

# (noun phrase for titles, phrase for sentences, charge wording)
OFFENCES = (
    ("burglary", "a burglary at a house", "burglary"),
    ("robbery", "a robbery", "robbery"),
    ("knifepoint robbery", "a robbery in which a knife was shown", "robbery and possession of a bladed article"),
    ("assault", "an assault", "assault occasioning actual bodily harm"),
    ("serious assault", "a serious assault", "grievous bodily harm with intent"),
    ("car theft", "the theft of a car", "theft of a motor vehicle"),
    ("catalytic converter thefts", "a series of catalytic converter thefts", "theft"),
    ("arson", "a fire that was started deliberately", "arson"),
    ("criminal damage", "criminal damage to several vehicles", "criminal damage"),
    ("distraction burglary", "a distraction burglary targeting an elderly resident", "burglary"),
    ("shoplifting spree", "a number of thefts from shops", "theft from a shop"),
    ("fail to stop collision", "a collision in which the driver failed to stop", "failing to stop after a collision"),
    ("fraud", "a fraud in which a victim was cold-called", "fraud by false representation"),
    ("drug supply", "the supply of Class A drugs", "being concerned in the supply of Class A drugs"),
    ("van break-ins", "tools being stolen from vans", "theft from a motor vehicle"),
    ("dog theft", "the theft of a dog from a garden", "theft"),
)

VEHICLES = ("a silver Ford Focus", "a black Audi A3", "a white Transit van", "a grey Vauxhall Corsa",
            "a blue BMW 3 Series", "a red Toyota Yaris", "a dark-coloured moped", "a green Land Rover")

ITEMS = ("jewellery", "a laptop", "power tools", "a games console", "cash", "designer handbags",
         "two bicycles", "a wedding ring", "mobile phones", "a watch")

EVENTS = ("a community engagement stall", "a cycle marking event", "a knife crime awareness session",
          "a drop-in surgery", "a cadet passing-out parade", "a school safety talk",
          "a rural crime meeting", "a coffee morning with residents")

SCHEMES = ("neighbourhood watch scheme", "safe space scheme", "cycle marking initiative",
           "Ask for Angela campaign", "rural watch scheme", "doorstep crime campaign")

PARTNERS = ("the district council", "local schools", "the borough council", "Herts Fire and Rescue Service",
            "the Community Safety Partnership", "local businesses", "a youth charity")

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

ADVICE = (
    "Lock doors and windows whenever you leave your home, even for a few minutes.",
    "Keep keys away from the letterbox and out of sight.",
    "Mark valuable items with your postcode and register them online.",
    "Never hand your bank card or PIN to anyone who calls at your door.",
    "Park in well-lit areas and remove valuables from your vehicle.",
    "Fit a steering lock or a tracking device to your car.",
    "Check the identity of callers before letting them into your home.",
    "Store tools in a locked van or take them indoors overnight.",
    "Talk to elderly relatives and neighbours about doorstep callers.",
    "Consider a video doorbell or security lighting at the front of your home.",
)

STEPS = (
    "Call 999 if a crime is happening now or someone is in danger.",
    "Make a note of the time, the place and what you saw.",
    "Keep any footage or photographs safe and do not share them online.",
    "Report what you know online or by calling 101.",
    "Give the crime reference number if you have one.",
)

CONDITIONS = (
    "not to enter the town centre between 8pm and 6am",
    "not to contact the victim directly or indirectly",
    "not to be in possession of any bladed article in public",
    "not to associate with named individuals",
    "to live and sleep at an address approved by police",
    "not to enter any licensed premises in the county",
)

SENTENCES_COURT = ("St Albans Crown Court", "Luton Crown Court", "Hertfordshire Magistrates' Court",
                   "Stevenage Magistrates' Court", "Cambridge Crown Court")

LINKS_EXTERNAL = (
    ("the Crimestoppers website", "https://crimestoppers-uk.org/"),
    ("Action Fraud", "https://www.actionfraud.police.uk/"),
    ("the Victim Service", "https://www.hertsvictims.org.uk/"),
    ("the GOV.UK guidance", "https://www.gov.uk/guidance/report-a-crime"),
    ("Neighbourhood Watch", "https://www.ourwatch.org.uk/"),
)

LINKS_BARE = (
    "crimestoppers-uk.org",
    "www.actionfraud.police.uk",
    "www.ourwatch.org.uk",
)

INTERNAL_LINKS = (
    ("report online", "/report/"),
    ("our advice pages", "/advice/"),
    ("contact us", "/contact-us/"),
    ("our online reporting form", "/ro/report/"),
)

QUOTE_OPENERS = (
    "We understand this incident will cause concern in the community",
    "I would like to thank everyone who has already come forward",
    "This was a frightening experience for the victim",
    "Our officers worked tirelessly to bring this case to court",
    "We will not tolerate this kind of behaviour in our county",
    "Local people told us this was a priority and we have listened",
    "Incidents like this are thankfully rare",
    "We are determined to find the person responsible",
)

QUOTE_FOLLOWERS = (
    "and extra patrols will be in the area over the coming days.",
    "and I would urge anyone with information to get in touch.",
    "and we are keeping the victim's family updated.",
    "and we hope today's result brings some reassurance.",
    "and I would ask people to check any doorbell or dash cam footage.",
    "and our enquiries are continuing.",
)

# Places of the other forces' areas (the replica's own list, by force slug): a force's
# replica writes of its own towns, districts and courts, not Hertfordshire's.
FORCE_TOWNS = {
    "cheshire": ("Chester", "Warrington", "Crewe", "Macclesfield", "Runcorn", "Widnes", "Northwich", "Ellesmere Port"),
    "city-of-london": ("Bishopsgate", "Cheapside", "Moorgate", "Aldgate", "Smithfield", "Blackfriars"),
    "cleveland": ("Middlesbrough", "Hartlepool", "Stockton", "Redcar", "Guisborough", "Billingham", "Thornaby"),
    "derbyshire": ("Derby", "Chesterfield", "Buxton", "Ilkeston", "Matlock", "Glossop", "Swadlincote", "Belper"),
    "dyfed-powys": ("Carmarthen", "Aberystwyth", "Llanelli", "Haverfordwest", "Newtown", "Brecon", "Welshpool"),
    "essex": ("Chelmsford", "Colchester", "Basildon", "Harlow", "Southend", "Braintree", "Clacton", "Brentwood"),
    "gloucestershire": ("Gloucester", "Cheltenham", "Stroud", "Tewkesbury", "Cirencester", "Lydney", "Cinderford"),
    "greater-manchester": ("Bolton", "Bury", "Oldham", "Rochdale", "Stockport", "Wigan", "Salford", "Trafford"),
    "gwent": ("Newport", "Cwmbran", "Pontypool", "Abergavenny", "Ebbw Vale", "Blackwood", "Chepstow"),
    "hampshire": ("Southampton", "Portsmouth", "Winchester", "Basingstoke", "Andover", "Fareham", "Aldershot"),
    "kent": ("Maidstone", "Canterbury", "Ashford", "Dartford", "Folkestone", "Margate", "Tonbridge", "Sevenoaks"),
    "leicestershire": ("Leicester", "Loughborough", "Hinckley", "Melton Mowbray", "Coalville", "Wigston", "Oakham"),
    "merseyside": ("Liverpool", "Birkenhead", "St Helens", "Bootle", "Southport", "Kirkby", "Wallasey", "Huyton"),
    "northants": ("Northampton", "Kettering", "Corby", "Wellingborough", "Daventry", "Rushden", "Towcester"),
    "south-wales": ("Cardiff", "Swansea", "Bridgend", "Merthyr Tydfil", "Neath", "Port Talbot", "Barry", "Pontypridd"),
    "staffordshire": ("Stoke-on-Trent", "Stafford", "Burton", "Tamworth", "Lichfield", "Cannock", "Leek", "Uttoxeter"),
    "surrey": ("Guildford", "Woking", "Epsom", "Redhill", "Staines", "Camberley", "Farnham", "Reigate"),
    "sussex": ("Brighton", "Crawley", "Worthing", "Eastbourne", "Hastings", "Chichester", "Horsham", "Lewes"),
    "thames-valley": ("Oxford", "Reading", "Slough", "Milton Keynes", "High Wycombe", "Aylesbury", "Banbury"),
    "warwickshire": ("Warwick", "Nuneaton", "Rugby", "Leamington Spa", "Stratford-upon-Avon", "Bedworth", "Atherstone"),
    "west-mercia": ("Worcester", "Hereford", "Shrewsbury", "Telford", "Kidderminster", "Redditch", "Ludlow"),
}
