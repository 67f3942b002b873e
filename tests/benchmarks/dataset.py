"""The seeded synthetic agency desk the benchmark measures: vocabulary, people, resumes, vCards.

Everything comes from one ``random.Random(seed)``, so two runs build the same vault (up to
UUIDs and timestamps). PDFs are real: reportlab draws text pages, pypdf reads them back.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

GIVEN = (
    "Aaliyah Aaron Abdul Ada Adrian Agnes Ahmed Aiko Alan Alejandro Alice Amara Amir Ana Andrea Andrei Anil "
    "Anna Arjun Astrid Ben Bianca Boris Carla Carlos Chen Chiara Chloe Daniel Dario David Deepa Diego Dmitri "
    "Elena Eli Emma Erik Esther Farah Fatima Felix Fiona Gabriel Grace Hana Hannah Hassan Helena Hugo Ibrahim "
    "Ines Ingrid Isaac Ivan Jack Jamal James Jana Javier Jin Joao Jonas Julia Kai Karim Kate Kenji Lara Leila "
    "Leo Liam Lina Lucas Lucia Maja Malik Marco Maria Marta Mateo Maya Mei Mohammed Nadia Naomi Nikhil Nina "
    "Noah Olga Omar Oscar Pablo Paula Pedro Priya Rafael Rahul Rosa Ruth Sami Sara Sean Sofia Sven Tariq Tom "
    "Uma Victor Wei Yara Yusuf Zara Zoe"
).split()
FAMILY = (
    "Abbott Acheampong Adeyemi Agarwal Ahmed Almeida Andersen Bauer Becker Bianchi Brennan Brown Campbell "
    "Castro Chen Choi Clarke Costa Dahl Dubois Eriksen Evans Fischer Fontaine Garcia Gonzalez Gupta Hansen "
    "Harris Hoffmann Horvat Hughes Ibrahim Ivanova Jansen Jensen Johansson Jones Kaur Keller Khan Kim Koch "
    "Kowalski Kumar Larsen Lee Lehmann Lopez Martin Mendes Meyer Moreau Muller Murphy Nakamura Nguyen Nielsen "
    "Novak Nowak Okafor Olsen Oliveira Park Patel Pereira Petrov Popescu Quinn Ramos Reddy Richter Rossi "
    "Russo Sato Schmidt Schneider Silva Singh Smith Sokolov Suzuki Tanaka Taylor Thomas Torres Wagner Walsh "
    "Wang Weber Williams Wilson Wright Yamamoto Yilmaz Zhang Zimmermann"
).split()
COMPANIES = [
    f"{a} {b}" for a in ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay",
                         "Soylent", "Tyrell", "Cyberdyne", "Wonka", "Gringotts", "Oscorp", "Aperture",
                         "Massive", "Nakatomi", "Pied Piper", "Dunder", "Monarch")
    for b in ("Labs", "Systems", "Group", "Analytics", "Cloud", "Health", "Capital", "Robotics", "Media", "Energy")
]
TITLES = (
    "Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager", "Data Engineer",
    "Data Scientist", "Machine Learning Engineer", "Product Manager", "Head of Engineering", "CTO", "VP Engineering",
    "DevOps Engineer", "Site Reliability Engineer", "Frontend Developer", "Backend Developer", "Security Engineer",
    "QA Lead", "Solutions Architect", "Team Lead", "Recruiting Manager", "Head of Talent", "Founder",
    "Chief Executive Officer", "Finance Director", "Mobile Developer", "Platform Engineer", "Analytics Lead",
    "Designer", "UX Researcher", "Technical Writer",
)
SKILLS = (
    "python", "java", "golang", "rust", "typescript", "react", "kubernetes", "terraform", "aws", "gcp", "azure",
    "postgres", "kafka", "spark", "airflow", "pytorch", "tensorflow", "django", "flask", "fastapi", "graphql",
    "swift", "kotlin", "android", "ios", "scala", "elixir", "haskell", "c++", "linux", "security", "fintech",
    "healthtech", "saas", "ecommerce", "payments", "devops", "sre", "mlops", "nlp", "computer-vision",
    "leadership", "startup", "enterprise", "remote", "contract", "permanent", "relocation", "visa", "senior",
    "junior", "lead", "principal", "embedded", "robotics", "blockchain", "gaming", "edtech", "biotech", "climate",
)
CITIES = ("London", "Berlin", "Paris", "Amsterdam", "Dublin", "Lisbon", "Madrid", "Stockholm", "Warsaw", "Zurich",
          "New York", "San Francisco", "Austin", "Toronto", "Singapore", "Tokyo", "Sydney", "Bangalore", "Lagos",
          "Manchester")
DOMAINS = ("example.org", "example.com", "mail.example", "inbox.example", "acme-corp.example", "posteo.example")
RESUME_WORDS = (
    "designed built shipped migrated scaled owned led mentored reduced improved automated launched refactored "
    "architected maintained deployed monitored optimised hired coached negotiated delivered integrated "
    "microservices pipeline platform latency throughput reliability observability incident postmortem roadmap "
    "stakeholders customers revenue compliance audit gdpr encryption authentication billing checkout search "
    "recommendation ranking forecasting dashboards warehouse lakehouse streaming batch realtime "
    "machine learning data engineering cloud infrastructure continuous delivery test automation code review "
    "agile scrum kanban budget vendor contract team lead hiring onboarding interviews open source conference "
    "speaker patent publication thesis university bachelor master phd bootcamp certification award volunteer"
).split()
NOTE_SENTENCES = (
    "Open to relocation within Europe.", "Prefers remote work, happy to travel monthly.",
    "Notice period of three months.", "Looking for a lead role in a small team.",
    "Met at the meetup, strong on system design.", "Not interested in agency contracts.",
    "Salary expectations discussed on the phone.", "Referred by a former colleague.",
    "Asked to be contacted only by e-mail.", "Interviewed twice last year, good feedback.",
    "Hiring manager for the platform team.", "Wants visa sponsorship.", "Prefers calls after 5pm.",
    "Strong references from two previous managers.", "Currently on parental leave until spring.",
)


@dataclass(frozen=True)
class PersonSpec:
    index: int
    kind: str
    given: str
    family: str
    organisation: str
    title: str
    city: str
    email: str
    phone: str
    third: tuple[str, str]  # (kind, value): a link or an address
    tags: tuple[str, ...]
    notes: str


def person_spec(rng: random.Random, index: int) -> PersonSpec:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    domain = rng.choice(DOMAINS)
    email = f"{given}.{family}.{index}@{domain}".lower()
    if rng.random() < 0.8:
        phone = f"+1 ({rng.choice((212, 312, 415, 512, 617, 646, 720))}) {200 + index // 10000:03d}-{index % 10000:04d}"
    else:
        phone = f"+44 20 7{index // 10000:03d} {index % 10000:04d}"
    if rng.random() < 0.7:
        third = ("link", f"https://www.linkedin.com/in/{given}-{family}-{index}".lower())
    else:
        third = ("address", f"{rng.randint(1, 200)} Market Street, {rng.choice(CITIES)}")
    tags = tuple(rng.sample(SKILLS, rng.randint(1, 3)))
    notes = " ".join(rng.sample(NOTE_SENTENCES, rng.randint(1, 3)))
    return PersonSpec(index, "candidate" if rng.random() < 0.7 else "contact", given, family,
                      rng.choice(COMPANIES), rng.choice(TITLES), rng.choice(CITIES), email, phone, third, tags, notes)


def resume_lines(seed: int, name: str, headline: str, email: str, tags: tuple[str, ...]) -> list[list[str]]:
    """Pages of text lines for one resume (1–3 pages)."""
    rng = random.Random(seed)
    pages: list[list[str]] = []
    for page in range(rng.randint(1, 3)):
        lines = [name, headline, email, f"Skills: {', '.join(tags)}"] if page == 0 else []
        for _ in range(rng.randint(25, 38)):
            company = rng.choice(COMPANIES)
            words = " ".join(rng.choice(RESUME_WORDS) for _ in range(rng.randint(6, 11)))
            lines.append(f"{company} ({rng.randint(2008, 2026)}): {words} {rng.choice(SKILLS)}")
        pages.append(lines)
    return pages


def make_pdf(pages: list[list[str]]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for number, lines in enumerate(pages, start=1):
        y = 800
        for line in lines:
            pdf.drawString(50, y, line[:110])
            y -= 20
        pdf.drawString(50, 30, f"page {number} of {len(pages)}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_resume(job: tuple[int, str, str, str, tuple[str, ...]]) -> bytes:
    """Pool worker: one resume PDF."""
    seed, name, headline, email, tags = job
    return make_pdf(resume_lines(seed, name, headline, email, tags))


def big_pdf(target_bytes: int, name: str) -> bytes:
    """A real 2-page resume carrying an incompressible photo, about ``target_bytes`` long."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rng = random.Random(target_bytes)
    side = int((target_bytes / 3) ** 0.5)
    noise = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for page in range(2):
        pdf.drawString(50, 800, f"{name} — curriculum vitae, page {page + 1}")
        for row in range(30):
            pdf.drawString(50, 760 - row * 20, " ".join(rng.choice(RESUME_WORDS) for _ in range(10)))
        if page == 0:
            pdf.drawImage(ImageReader(noise), 380, 640, width=150, height=150)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def vcards(rng: random.Random, count: int, existing_emails: list[str]) -> bytes:
    """``count`` vCard 3.0 cards; about 5 % share an e-mail with someone already in the vault."""
    out: list[str] = []
    for n in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        if existing_emails and rng.random() < 0.05:
            email = rng.choice(existing_emails)
        else:
            email = f"{given}.{family}.v{n}@{rng.choice(DOMAINS)}".lower()
        out.append(
            "BEGIN:VCARD\r\nVERSION:3.0\r\n"
            f"N:{family};{given};;;\r\nFN:{given} {family}\r\n"
            f"ORG:{rng.choice(COMPANIES)}\r\nTITLE:{rng.choice(TITLES)}\r\n"
            f"EMAIL;TYPE=INTERNET,WORK:{email}\r\n"
            f"TEL;TYPE=CELL:+1 (332) {300 + n // 10000:03d}-{n % 10000:04d}\r\n"
            f"NOTE:Met at {rng.choice(CITIES)} meetup\r\n"
            "END:VCARD\r\n"
        )
    return "".join(out).encode("utf-8")
