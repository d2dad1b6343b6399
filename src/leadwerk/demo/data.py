"""The facts demo data is drawn from: countries, cities, companies, industries, job titles,
content, the demo company's staff. Weights are relative; they need not sum to one.

Written for Leadwerk's demo, weighted towards the DACH region where most users are.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadwerk.demo.names import split_items

# The demo company whose marketing and sales team uses Leadwerk. `.example` and `.test` are
# reserved names (RFC 2606/6761): nothing ever reaches a real site or mailbox of the staff.
SITE = "https://www.leadwerk-demo.example"
STAFF_DOMAIN = "demo.leadwerk.test"


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    weight: float
    # name origin → weight (see names.POOLS)
    origins: dict[str, float]
    # default language; origins listed in `origin_languages` speak theirs instead
    language: str
    tld: str
    freemail: tuple[str, ...]
    cities: tuple[str, ...]
    # city → (area code, national number length) for landlines; others get mobiles only
    landlines: dict[str, tuple[str, int]]
    mobile_prefixes: tuple[str, ...]
    mobile_length: int
    origin_languages: dict[str, str]
    legal_forms: tuple[tuple[str, float], ...]


# Northern German cities belong to the team "DACH Nord"; southern ones, AT and CH to "DACH Süd".
DE_NORTH = split_items(
    "Hamburg, Berlin, Bremen, Hannover, Kiel, Lübeck, Rostock, Potsdam, Braunschweig, "
    "Osnabrück, Oldenburg, Münster, Bielefeld, Dortmund, Essen, Düsseldorf, Köln, Bonn, "
    "Magdeburg, Leipzig, Dresden, Erfurt, Göttingen, Wolfsburg"
)
DE_SOUTH = split_items(
    "München, Stuttgart, Frankfurt am Main, Nürnberg, Augsburg, Regensburg, Würzburg, "
    "Karlsruhe, Mannheim, Heidelberg, Freiburg im Breisgau, Ulm, Ingolstadt, Wiesbaden, Mainz, "
    "Saarbrücken, Konstanz, Tübingen, Darmstadt, Passau"
)

_GENERIC_FREEMAIL = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com")
_EN = {"en": "en"}

# fmt: off
COUNTRIES: tuple[Country, ...] = (
    Country(
        "DE", 50.0,
        {"de": 84, "tr": 5, "pl": 4, "it": 2, "en": 1.5, "es": 1, "fr": 1, "nl": 1, "sv": 0.5},
        "de", "de",
        ("gmail.com", "gmx.de", "web.de", "t-online.de", "outlook.de", "yahoo.de", "posteo.de",
         "freenet.de"),
        DE_NORTH + DE_SOUTH,
        {"Berlin": ("30", 10), "Hamburg": ("40", 10), "München": ("89", 10),
         "Frankfurt am Main": ("69", 10), "Köln": ("221", 10), "Düsseldorf": ("211", 10),
         "Stuttgart": ("711", 10), "Hannover": ("511", 10), "Nürnberg": ("911", 10),
         "Leipzig": ("341", 10), "Bremen": ("421", 10), "Dresden": ("351", 10),
         "Dortmund": ("231", 10), "Essen": ("201", 10)},
        ("151", "152", "157", "159", "160", "162", "163", "170", "171", "172", "173", "174",
         "175", "176", "177", "178", "179"),
        11, _EN,
        (("GmbH", 55), ("GmbH & Co. KG", 15), ("AG", 7), ("SE", 2),
         ("UG (haftungsbeschränkt)", 4), ("e.K.", 4), ("KG", 5), ("OHG", 2)),
    ),
    Country(
        "AT", 12.0, {"at": 62, "de": 26, "tr": 4, "pl": 3, "it": 3, "en": 2}, "de", "at",
        ("gmx.at", "gmail.com", "aon.at", "outlook.com"),
        split_items("Wien, Graz, Linz, Salzburg, Innsbruck, Klagenfurt, St. Pölten, Bregenz, "
                    "Wels, Villach, Dornbirn"),
        {"Wien": ("1", 8), "Graz": ("316", 9), "Linz": ("732", 9), "Salzburg": ("662", 9),
         "Innsbruck": ("512", 9)},
        ("650", "660", "664", "676", "680", "681", "688", "699"), 10, _EN,
        (("GmbH", 70), ("AG", 8), ("KG", 8), ("OG", 6), ("e.U.", 8)),
    ),
    Country(
        "CH", 11.0, {"ch": 58, "fr": 20, "it": 10, "de": 8, "en": 4}, "de", "ch",
        ("bluewin.ch", "gmx.ch", "gmail.com"),
        split_items("Zürich, Genève, Basel, Bern, Lausanne, Luzern, St. Gallen, Winterthur, "
                    "Lugano, Zug, Biel/Bienne, Thun, Fribourg, Neuchâtel"),
        {"Zürich": ("44", 9), "Genève": ("22", 9), "Basel": ("61", 9), "Bern": ("31", 9),
         "Lausanne": ("21", 9), "Luzern": ("41", 9), "St. Gallen": ("71", 9),
         "Winterthur": ("52", 9), "Lugano": ("91", 9), "Zug": ("41", 9)},
        ("76", "77", "78", "79"), 9, {"fr": "fr", "it": "it", "en": "en"},
        (("AG", 55), ("GmbH", 35), ("SA", 6), ("Sàrl", 4)),
    ),
    Country(
        "NL", 3.0, {"nl": 90, "de": 4, "en": 3, "tr": 3}, "nl", "nl", _GENERIC_FREEMAIL,
        split_items("Amsterdam, Rotterdam, Den Haag, Utrecht, Eindhoven, Groningen"),
        {}, ("61", "62", "63", "64", "65"), 9, _EN, (("B.V.", 85), ("N.V.", 15)),
    ),
    Country(
        "BE", 1.5, {"nl": 50, "fr": 45, "en": 5}, "nl", "be", _GENERIC_FREEMAIL,
        split_items("Bruxelles, Antwerpen, Gent, Liège, Leuven"),
        {}, ("470", "475", "476", "477", "478", "479", "484", "485", "486", "494", "495"), 9,
        {"fr": "fr", "en": "en"}, (("BV", 60), ("NV", 25), ("SRL", 15)),
    ),
    Country(
        "LU", 0.5, {"fr": 50, "de": 40, "it": 10}, "fr", "lu", _GENERIC_FREEMAIL,
        split_items("Luxembourg, Esch-sur-Alzette, Differdange"),
        {}, ("621", "661", "691"), 9, {"de": "de"}, (("S.à r.l.", 70), ("S.A.", 30)),
    ),
    Country(
        "FR", 3.0, {"fr": 92, "es": 3, "it": 3, "en": 2}, "fr", "fr", _GENERIC_FREEMAIL,
        split_items("Paris, Lyon, Marseille, Toulouse, Strasbourg, Lille, Nantes, Bordeaux"),
        {}, ("6", "7"), 9, _EN, (("SAS", 60), ("SARL", 30), ("SA", 10)),
    ),
    Country(
        "IT", 2.5, {"it": 95, "de": 3, "en": 2}, "it", "it", _GENERIC_FREEMAIL,
        split_items("Milano, Roma, Torino, Bologna, Bolzano, Verona, Firenze"),
        {}, ("32", "33", "34", "35", "36", "38", "39"), 10, {"de": "de", "en": "en"},
        (("S.r.l.", 75), ("S.p.A.", 25)),
    ),
    Country(
        "ES", 2.0, {"es": 96, "en": 2, "fr": 2}, "es", "es", _GENERIC_FREEMAIL,
        split_items("Madrid, Barcelona, Valencia, Sevilla, Bilbao, Málaga, Zaragoza"),
        {}, ("6",), 9, _EN, (("S.L.", 75), ("S.A.", 25)),
    ),
    Country(
        "PL", 3.0, {"pl": 98, "de": 2}, "pl", "pl", _GENERIC_FREEMAIL,
        split_items("Warszawa, Kraków, Wrocław, Poznań, Gdańsk, Łódź, Katowice"),
        {}, ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88"), 9,
        {"de": "de"}, (("Sp. z o.o.", 80), ("S.A.", 20)),
    ),
    Country(
        "TR", 1.5, {"tr": 100}, "tr", "com.tr", _GENERIC_FREEMAIL,
        split_items("İstanbul, Ankara, İzmir, Bursa, Antalya"),
        {}, ("530", "532", "533", "535", "541", "542", "544", "505", "506"), 10, {},
        (("A.Ş.", 50), ("Ltd. Şti.", 50)),
    ),
    Country(
        "GB", 4.0, {"en": 92, "pl": 3, "it": 2, "fr": 1, "es": 1, "de": 1}, "en", "co.uk",
        _GENERIC_FREEMAIL,
        split_items("London, Manchester, Birmingham, Leeds, Bristol, Edinburgh, Glasgow"),
        {}, ("73", "74", "75", "77", "78", "79"), 10, {},
        (("Ltd", 85), ("PLC", 8), ("LLP", 7)),
    ),
    Country(
        "IE", 0.5, {"en": 100}, "en", "ie", _GENERIC_FREEMAIL,
        split_items("Dublin, Cork, Galway"),
        {}, ("83", "85", "86", "87", "89"), 9, {}, (("Ltd", 80), ("DAC", 20)),
    ),
    Country(
        "US", 3.0, {"en": 90, "es": 8, "it": 2}, "en", "com", _GENERIC_FREEMAIL,
        split_items("New York, Chicago, Boston, Austin, San Francisco, Atlanta, Seattle"),
        {}, ("212", "312", "415", "617", "512", "206", "404", "646", "917"), 10, {},
        (("Inc.", 60), ("LLC", 30), ("Corp.", 10)),
    ),
    Country(
        "SE", 1.2, {"sv": 95, "fi": 2, "en": 3}, "sv", "se", _GENERIC_FREEMAIL,
        split_items("Stockholm, Göteborg, Malmö, Uppsala, Västerås"),
        {}, ("70", "72", "73", "76", "79"), 9, {"en": "en"}, (("AB", 100),),
    ),
    Country(
        "DK", 1.0, {"da": 95, "sv": 2, "en": 3}, "da", "dk", _GENERIC_FREEMAIL,
        split_items("København, Aarhus, Odense, Aalborg"),
        {}, ("20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "40", "42",
             "50", "51", "52", "53", "60", "61"), 8, {"sv": "sv", "en": "en"},
        (("ApS", 70), ("A/S", 30)),
    ),
    Country(
        "NO", 0.6, {"da": 95, "sv": 3, "en": 2}, "nb", "no", _GENERIC_FREEMAIL,
        split_items("Oslo, Bergen, Trondheim, Stavanger, Tromsø"),
        {}, ("40", "41", "45", "46", "47", "48", "90", "91", "92", "93", "94", "95", "97", "98"),
        8, {"sv": "sv", "en": "en"}, (("AS", 90), ("ASA", 10)),
    ),
    Country(
        "FI", 0.7, {"fi": 92, "sv": 8}, "fi", "fi", _GENERIC_FREEMAIL,
        split_items("Helsinki, Espoo, Tampere, Turku, Oulu"),
        {}, ("40", "41", "44", "45", "46", "50"), 9, {"sv": "sv"}, (("Oy", 90), ("Oyj", 10)),
    ),
)
# fmt: on
COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}
DACH = frozenset({"DE", "AT", "CH"})
EU_NEIGHBOURS = frozenset({"NL", "BE", "LU", "FR", "IT", "ES", "PL", "SE", "DK", "FI", "IE"})


@dataclass(frozen=True, slots=True)
class Industry:
    name: str
    weight: float
    fit: int  # fit points: how well the industry matches the demo company's customers
    words_de: tuple[str, ...]
    words_en: tuple[str, ...]


# fmt: off
INDUSTRIES: tuple[Industry, ...] = (
    Industry("Software & IT Services", 14, 20,
             split_items("Software, Systemhaus, Informatik, Digital, Data, Cloud Services, "
                         "IT-Service"),
             split_items("Software, Systems, Digital, Data, Cloud, Tech, IT Services")),
    Industry("Machinery", 10, 18,
             split_items("Maschinenbau, Anlagenbau, Antriebstechnik, Präzisionstechnik, "
                         "Fördertechnik"),
             split_items("Engineering, Machinery, Automation, Precision Tools")),
    Industry("Automotive Suppliers", 5, 14,
             split_items("Fahrzeugtechnik, Zulieferteile, Kunststofftechnik, Metallverarbeitung"),
             split_items("Automotive, Components, Mobility Parts")),
    Industry("Logistics & Transport", 7, 16,
             split_items("Logistik, Spedition, Transporte, Lagerlogistik"),
             split_items("Logistics, Freight, Transport, Supply Chain")),
    Industry("Wholesale & E-Commerce", 8, 18,
             split_items("Handel, Großhandel, Versand, Handelshaus"),
             split_items("Trading, Wholesale, Commerce, Retail Group")),
    Industry("Financial Services", 6, 16,
             split_items("Finanzberatung, Vermögensverwaltung, Leasing, Finanzdienstleistungen"),
             split_items("Capital, Finance, Advisors, Leasing")),
    Industry("Insurance", 3, 14,
             split_items("Versicherungsmakler, Assekuranz, Versicherungsdienst"),
             split_items("Insurance, Assurance, Underwriters")),
    Industry("Healthcare", 4, 10,
             split_items("Pflegedienste, Praxisverbund, Gesundheitszentrum, Medizinische Dienste"),
             split_items("Health, Care, Clinics")),
    Industry("Pharma & Medical Devices", 3, 14,
             split_items("Medizintechnik, Pharma, Labortechnik, Diagnostik"),
             split_items("Medical, Pharma, Diagnostics, Life Sciences")),
    Industry("Construction & Real Estate", 6, 10,
             split_items("Bau, Immobilien, Hausverwaltung, Bauunternehmung, Projektentwicklung"),
             split_items("Construction, Properties, Real Estate, Building")),
    Industry("Energy & Utilities", 3, 12,
             split_items("Energie, Solartechnik, Energietechnik, Stadtwerke"),
             split_items("Energy, Solar, Power, Utilities")),
    Industry("Consulting", 8, 18,
             split_items("Consulting, Unternehmensberatung, Beratung, Partner"),
             split_items("Consulting, Advisory, Partners")),
    Industry("Marketing & Agencies", 6, 16,
             split_items("Werbeagentur, Kommunikation, Media, Kreativagentur, Digitalagentur"),
             split_items("Media, Creative, Communications, Agency")),
    Industry("Education", 3, 6,
             split_items("Akademie, Bildungszentrum, Weiterbildung, Schulungen"),
             split_items("Academy, Learning, Education")),
    Industry("Public Sector", 2, 4,
             split_items("Zweckverband, Kommunale Dienste, Landesbetrieb"),
             split_items("Public Services, Authority")),
    Industry("Hospitality & Tourism", 3, 6,
             split_items("Hotels, Reisen, Gastronomie, Touristik"),
             split_items("Hotels, Travel, Hospitality")),
    Industry("Food & Beverages", 3, 10,
             split_items("Lebensmittel, Feinkost, Getränke, Brauerei, Backwaren"),
             split_items("Foods, Beverages, Brewing")),
    Industry("Chemicals", 2, 12,
             split_items("Chemie, Spezialchemie, Beschichtungen, Kunststoffe"),
             split_items("Chemicals, Coatings, Materials")),
    Industry("Electrical Engineering", 4, 16,
             split_items("Elektrotechnik, Elektronik, Sensortechnik, Steuerungstechnik"),
             split_items("Electronics, Electric, Sensors, Controls")),
    Industry("Telecommunications", 2, 14,
             split_items("Telekommunikation, Netzwerke, Kommunikationstechnik"),
             split_items("Telecom, Networks, Communications")),
    Industry("Staffing & HR Services", 3, 14,
             split_items("Personalberatung, Personaldienstleistungen, Recruiting"),
             split_items("Staffing, Talent, Recruitment")),
)
# fmt: on

# Industry-neutral words for company names in other languages ("Grupo", "Services").
COMPANY_WORDS: dict[str, tuple[str, ...]] = {
    "fr": split_items("Groupe, Solutions, Services, Partenaires, Technologies"),
    "es": split_items("Grupo, Soluciones, Servicios, Tecnología"),
    "it": split_items("Gruppo, Soluzioni, Servizi, Tecnologie"),
    "pl": split_items("Grupa, Rozwiązania, Usługi, Technologie"),
    "tr": split_items("Grup, Ticaret, Teknoloji, Hizmetleri"),
    "sv": split_items("Gruppen, Tjänster, Partner, Teknik"),
    "da": split_items("Gruppen, Partners, Service, Teknik"),
    "fi": split_items("Palvelut, Yhtiöt, Tekniikka"),
    "nl": split_items("Groep, Diensten, Partners, Techniek"),
}
SWISS_FRENCH_LEGAL_FORMS = (("SA", 60.0), ("Sàrl", 40.0))
# Made-up brand names for companies: a prefix and a suffix ("Rheinwerk", "Alpenblick").
BRAND_PREFIXES_DE = split_items(
    "Nord, Süd, Alpen, Rhein, Elb, Isar, Main, Spree, Donau, Weser, Neckar, Ost, West, Berg, "
    "Tal, Blau, Grün, Hanse, Inn, Mosel, Ruhr, Harz, Eifel, Sonnen, Stern, Licht, Quell, Brücken"
)
BRAND_SUFFIXES_DE = split_items(
    "werk, blick, tec, licht, data, soft, log, med, bau, form, plan, kraft, feld, haus, punkt, "
    "netz, wert, quelle, schmiede, kontor"
)
BRAND_SYLLABLES = split_items(
    "ve, lo, ra, nix, ta, mo, ri, sa, no, vi, ca, ly, xo, ze, qua, to, dex, mi, lu, ro, ven, tis"
)

# Companies by size band: (low, high, weight, fit points)
EMPLOYEE_BANDS: tuple[tuple[int, int, float, int], ...] = (
    (1, 9, 14, 4),
    (10, 49, 30, 12),
    (50, 249, 30, 22),
    (250, 999, 15, 28),
    (1000, 9999, 8, 24),
    (10000, 120000, 3, 18),
)

# Job titles by seniority: 0 owner/C-level, 1 head/director, 2 manager, 3 specialist,
# 4 junior/student. German ones as (male, female); English ones are the same for everybody.
SENIORITY_FIT = (35, 28, 20, 10, 2)
# fmt: off
TITLES_DE: tuple[tuple[tuple[str, str], ...], ...] = (
    (("Geschäftsführer", "Geschäftsführerin"), ("Inhaber", "Inhaberin"), ("CEO", "CEO"),
     ("CMO", "CMO"), ("CTO", "CTO"), ("Vorstand", "Vorständin"),
     ("Kaufmännischer Geschäftsführer", "Kaufmännische Geschäftsführerin")),
    (("Leiter Marketing", "Leiterin Marketing"), ("Vertriebsleiter", "Vertriebsleiterin"),
     ("Head of Sales", "Head of Sales"), ("Head of Marketing", "Head of Marketing"),
     ("IT-Leiter", "IT-Leiterin"), ("Bereichsleiter Vertrieb", "Bereichsleiterin Vertrieb"),
     ("Leiter Einkauf", "Leiterin Einkauf"), ("Head of Digital", "Head of Digital")),
    (("Teamleiter Inside Sales", "Teamleiterin Inside Sales"),
     ("Marketing Manager", "Marketing Managerin"),
     ("Online-Marketing-Manager", "Online-Marketing-Managerin"),
     ("Key Account Manager", "Key Account Managerin"), ("Produktmanager", "Produktmanagerin"),
     ("CRM-Manager", "CRM-Managerin"),
     ("Projektleiter Digitalisierung", "Projektleiterin Digitalisierung"),
     ("Performance Marketing Manager", "Performance Marketing Managerin")),
    (("Referent Marketing", "Referentin Marketing"),
     ("Vertriebsmitarbeiter", "Vertriebsmitarbeiterin"),
     ("Sachbearbeiter Einkauf", "Sachbearbeiterin Einkauf"),
     ("Content Manager", "Content Managerin"), ("Kundenberater", "Kundenberaterin"),
     ("Assistenz der Geschäftsführung", "Assistenz der Geschäftsführung"),
     ("IT-Administrator", "IT-Administratorin"), ("Controller", "Controllerin")),
    (("Werkstudent Marketing", "Werkstudentin Marketing"), ("Praktikant", "Praktikantin"),
     ("Auszubildender Kaufmann für Büromanagement",
      "Auszubildende Kauffrau für Büromanagement"),
     ("Junior Marketing Manager", "Junior Marketing Managerin"),
     ("Trainee Vertrieb", "Trainee Vertrieb")),
)
# fmt: on
TITLES_EN: tuple[tuple[str, ...], ...] = (
    split_items("CEO, Founder, Managing Director, CMO, Chief Revenue Officer, COO"),
    split_items(
        "VP Sales, VP Marketing, Head of Marketing, Head of Sales, "
        "Director of Demand Generation, IT Director"
    ),
    split_items(
        "Marketing Manager, Sales Manager, Marketing Operations Manager, Product Manager, "
        "Team Lead Inside Sales, CRM Manager"
    ),
    split_items(
        "Marketing Specialist, Account Executive, Business Development Representative, "
        "Sales Development Representative, Content Marketing Specialist, "
        "Procurement Specialist"
    ),
    split_items("Marketing Intern, Student, Junior Marketing Associate, Marketing Assistant"),
)

# Pages, assets and webinars of the demo company's site, for touchpoints.
PAGES: tuple[tuple[str, str], ...] = (
    ("/", "Startseite"),
    ("/preise", "Preise"),
    ("/produkt/lead-scoring", "Lead-Scoring"),
    ("/produkt/routing", "Lead-Routing"),
    ("/produkt/dsgvo", "DSGVO & Einwilligungen"),
    ("/kunden", "Kundenstimmen"),
    ("/blog/cost-per-lead-senken", "Blog: Cost per Lead senken"),
    ("/blog/mql-vs-sql", "Blog: MQL vs. SQL"),
    ("/blog/double-opt-in", "Blog: Double-Opt-in richtig umsetzen"),
    ("/en/pricing", "Pricing"),
    ("/en/blog/lead-velocity", "Blog: Lead velocity rate"),
    ("/demo-anfragen", "Demo anfragen"),
)
ASSETS = split_items(
    "Whitepaper: DSGVO-konformes Lead-Management, Checkliste Lead-Scoring, "
    "E-Book: Vom MQL zum Abschluss, Benchmark-Report B2B-Leadgenerierung 2025, "
    "Guide: Attribution models explained, Template: Service Level Agreement Marketing/Vertrieb"
)
WEBINARS = split_items(
    "Webinar: Lead-Scoring in 30 Minuten, Webinar: Routing ohne Excel, "
    "Webinar: BANT vs. CHAMP in der Praxis, Webinar: Lead nurturing that converts"
)
EMAIL_SUBJECTS = split_items(
    "Ihre Checkliste ist da, Neu: Routing nach Territorien, 3 Fehler beim Lead-Scoring, "
    "Einladung zum Webinar, Your monthly lead management digest, Fallstudie: 40 % mehr SQLs"
)
FORMS = ("contact", "demo_request", "whitepaper", "pricing_request")

# The demo company's own people: (first, last, role, team or None, language).
TEAMS = ("DACH Nord", "DACH Süd", "International")
STAFF: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("Lea", "Schröder", "marketing", None, "de"),
    ("Jonas", "Weiß", "marketing", None, "de"),
    ("Amélie", "Dubois", "marketing", None, "en"),
    ("Jana", "Petersen", "sales", "DACH Nord", "de"),
    ("Ole", "Hansen", "sales", "DACH Nord", "de"),
    ("Mehmet", "Yıldız", "sales", "DACH Nord", "de"),
    ("Frauke", "Janßen", "sales", "DACH Nord", "de"),
    ("Sebastian", "Huber", "sales", "DACH Süd", "de"),
    ("Theresa", "Gruber", "sales", "DACH Süd", "de"),
    ("Matthias", "Bühler", "sales", "DACH Süd", "de"),
    ("Sophie", "Köhler", "sales", "DACH Süd", "de"),
    ("Camille", "Lefèvre", "sales", "International", "en"),
    ("Olivia", "Bennett", "sales", "International", "en"),
    ("Mateusz", "Wiśniewski", "sales", "International", "en"),
    ("Ingrid", "Sørensen", "sales", "International", "en"),
)
