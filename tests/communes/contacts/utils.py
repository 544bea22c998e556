"""Files to import, as a referent would write them."""

from communes.contacts import resources

HEADER = "nom;prénom;fonction;e-mail;téléphone;communes;langue"


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def read(content: bytes, name: str = "contacts.csv") -> dict:
    return resources.read_contacts_file(name=name, content=content)
