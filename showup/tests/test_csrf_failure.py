from django.test import Client


def test_it_explains_an_expired_form_in_the_visitors_language(db: object) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/missing/", {"given_name": "x"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 403
    body = response.content.decode()
    assert 'lang="es"' in body and "Envíe el formulario otra vez" in body
