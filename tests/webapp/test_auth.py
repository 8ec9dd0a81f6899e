from __future__ import annotations

import pytest
from flask import Blueprint, g

from tests.webapp.conftest import STAFF_EMAIL, STAFF_PASSWORD, csrf_token
from webapp import create_app
from webapp.auth import LoginLimiter, init_limiter, is_safe_next, login_required, role_required


def test_login_page_has_labelled_fields_and_csrf_token(client):
    html = client.get("/login").text
    assert '<label for="email">' in html
    assert '<label for="password">' in html
    assert csrf_token(html)


def test_login_signs_in_and_logout_signs_out(client, auth):
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").text
    assert "Aida Staff" in home
    assert "Sign out" in home
    with client.session_transaction() as session:
        assert isinstance(session["user_id"], int)
    assert auth.logout().status_code == 302
    assert "Aida Staff" not in client.get("/").text


def test_login_email_is_case_insensitive(auth):
    assert auth.login(email=STAFF_EMAIL.upper()).status_code == 302


def test_login_wrong_password_is_refused(client, auth):
    response = auth.login(password="wrong password here")
    assert response.status_code == 401
    assert "Wrong e-mail address or password." in response.text
    with client.session_transaction() as session:
        assert "user_id" not in session


def test_login_without_csrf_token_is_rejected(client):
    response = client.post("/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD})
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "user_id" not in session


def test_logout_is_post_only_and_needs_csrf(client, auth):
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert "Sign out" in client.get("/").text


def test_login_rate_limit_blocks_after_five_failures(client, auth):
    for _ in range(5):
        assert auth.login(password="wrong password here").status_code == 401
    blocked = auth.login()  # even the right password waits
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.text
    # Another address from the same client is not blocked.
    assert auth.login(email="someone@uni.example", password="x" * 12).status_code == 401


def test_login_limiter_forgets_failures_after_the_window():
    clock = [1000.0]
    limiter = LoginLimiter(max_failures=2, window_seconds=60, clock=lambda: clock[0])
    key = ("a@b.example", "127.0.0.1")
    limiter.fail(key)
    limiter.fail(key)
    assert limiter.retry_after(key) == pytest.approx(60)
    clock[0] += 30
    assert limiter.retry_after(key) == pytest.approx(30)
    clock[0] += 31
    assert limiter.retry_after(key) == 0
    limiter.fail(key)
    limiter.reset(key)
    assert limiter.retry_after(key) == 0


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/search?q=water", True),
        ("/opportunities/eu:X/1", True),
        ("https://evil.example/", False),
        ("//evil.example/", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
        ("/ok\r\nLocation: x", False),
        ("", False),
        (None, False),
    ],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe


def test_login_follows_only_local_next(auth):
    assert auth.login(next_url="/search?q=water").headers["Location"] == "/search?q=water"


def test_login_ignores_external_next(auth):
    assert auth.login(next_url="https://evil.example/").headers["Location"] == "/"


@pytest.fixture
def guarded_app(settings, store, backend):
    app = create_app(settings, store=store, backend=backend)
    app.config.update(TESTING=True)
    init_limiter(app)
    bp = Blueprint("guarded", __name__)

    @bp.get("/mine")
    @login_required
    def mine():
        return f"hello {g.user.email}"

    @bp.get("/admin-only")
    @role_required("admin")
    def admin_only():
        return "admin page"

    app.register_blueprint(bp)
    return app


def test_login_required_redirects_with_next_then_allows(guarded_app, store):
    from webapp.stores.users import create_user

    create_user(store.engine, STAFF_EMAIL, "staff", STAFF_PASSWORD)
    client = guarded_app.test_client()
    response = client.get("/mine")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/mine"
    page = client.get("/login?next=/mine").text
    assert 'value="/mine"' in page
    signed_in = client.post(
        "/login",
        data={
            "email": STAFF_EMAIL,
            "password": STAFF_PASSWORD,
            "next": "/mine",
            "csrf_token": csrf_token(page),
        },
    )
    assert signed_in.headers["Location"] == "/mine"
    assert client.get("/mine").text == "hello staff@uni.example"
    assert client.get("/admin-only").status_code == 403
