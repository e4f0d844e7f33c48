"""The locustfile's virtual user: a person (or a system) behind the TLS proxy, with a session
of its own, who logs in through the login page (and the second factor for HP staff), and
the measured window that starts once the last of them has logged in.

Imported by ``locustfile.py`` from this folder (locust puts the locustfile's folder on
``sys.path``).
"""

from __future__ import annotations

import itertools
import os
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlencode, urlsplit

import gevent
from html_forms import Page, submitted
from locust import FastHttpUser, between
from locust.exception import StopUser

PASSWORD = os.environ.get("LOAD_PASSWORD", "ServiceOne-2026")  # the demo logins' password
# Think time: 2–8 s between two pages of a person, 1–3 s between two calls of an
# integration; LOAD_THINK_SCALE multiplies both (0.5: twice as busy).
THINK_SCALE = float(os.environ.get("LOAD_THINK_SCALE") or 1)
# The HP logins (run.py gives them a second factor: DEBUG=0 requires one of HP staff) and
# the recovery codes it gives them (``RECOVERY_PREFIX`` + 8 digits): this load's range
# starts at LOAD_RECOVERY_FIRST (locust_run.py gives each load its own).
HP_LOGINS = ("hp.programme", "cds.dispatch")
RECOVERY_PREFIX = "ld"
_recovery_numbers = itertools.count(int(os.environ.get("LOAD_RECOVERY_FIRST") or 0))
# The client addresses the "proxy" reports: one per virtual user, in the benchmarking
# network of RFC 2544 (198.18.0.0/15).
_client_numbers = itertools.count()
# Requests reach the portal over plain HTTP from "the proxy": Secure cookies go back on it.
BEHIND_THE_PROXY = DefaultCookiePolicy(secure_protocols=("https", "http"))


class PortalUser(FastHttpUser):
    """A person (or a system) behind the TLS proxy, with a session of its own."""

    abstract = True
    wait_time = between(2 * THINK_SCALE, 8 * THINK_SCALE)  # between two pages
    username = ""
    # Fail instead of hanging when the portal stops answering.
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        n = next(_client_numbers)
        self.headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": f"198.18.{n // 250}.{n % 250 + 1}",
            "Accept-Language": "fr",
        }
        self.origin = "https://" + urlsplit(self.host).netloc
        self.client.cookiejar.set_policy(BEHIND_THE_PROXY)
        try:
            self.begin()
        except StopUser:
            # Its login failed: the load runs one user short. The statistics reset at the
            # last login drop the ramp's failures, so the count goes in the summary.
            USERS_NOT_LOGGED_IN[0] += 1
            raise
        finally:
            user_started(self.environment)

    def begin(self) -> None:
        """What the user does once, before its tasks: log in through the login page."""
        self.login()

    # Every request goes through these two, which decide what a failure is.

    def page(self, name: str, path: str) -> str | None:
        """GET a page; None (a failure recorded under ``name``) unless it answers 200."""
        with self.client.get(
            path,
            name=name,
            headers=self.headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "") if response.headers else ""
                response.failure(f"{response.status_code} {where}".strip())
                return None
            return str(response.text)

    def post(self, name: str, path: str, fields: list[tuple[str, str]]) -> str | None:
        """POST a form as the browser would; the redirect's target, or None (a failure)."""
        with self.client.post(
            path,
            name=name,
            data=urlencode(fields),
            headers={
                **self.headers,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.origin + path,
            },
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or "/accounts/login/" in location:
                response.failure(f"{response.status_code} {location}".strip())
                return None
            return str(urlsplit(location)._replace(scheme="", netloc="").geturl())

    def login(self) -> None:
        # Where the portal sends a visitor without a session (LoginRequiredMiddleware).
        login = "/accounts/login/?next=/"
        html = self.page("page: login", login)
        form = Page(html).form_with("password") if html else None
        if form is None:
            raise StopUser
        fields = [*submitted(form), ("username", self.username), ("password", PASSWORD)]
        landing = self.post("post: login", login, fields)
        if landing is None:
            raise StopUser
        if self.username in HP_LOGINS:
            # The portal sends HP staff from any page to the code page until they give one.
            landing = self.second_factor(f"/accounts/2fa/verify/?{urlencode({'next': landing})}")
            if landing is None:
                raise StopUser
        self.page("page: home", landing)

    def second_factor(self, path: str) -> str | None:
        """HP staff must give a second factor with DEBUG=0: one of the recovery codes
        run.py gave the login (single use each, like a code from the app, which several
        virtual users sharing one login could not each use within the same 30 s)."""
        html = self.page("page: two-factor", path)
        form = Page(html).form_with("code") if html else None
        if form is None:
            return None
        code = f"{RECOVERY_PREFIX}{next(_recovery_numbers):08d}"
        return self.post("post: two-factor", path, [*submitted(form), ("code", code)])

    def think(self) -> None:
        self.wait()

    def form(self, name: str, html: str | None, **attrs: str) -> dict[str, Any] | None:
        """The page's form to go on with; a page without it is a failure of ``name``."""
        if html is None:
            return None  # the request failed: already counted
        form = Page(html).form(**attrs)
        if form is None:
            self.missing(name, f"no form {attrs}")
        return form

    def missing(self, name: str, why: str) -> None:
        """Record a failure of a page that answered 200 without the next step."""
        self.environment.events.request.fire(
            request_type="GET",
            name=name,
            response_time=0,
            response_length=0,
            exception=AssertionError(why),
            context={},
        )


# Seconds to measure once every virtual user has logged in (run.py sets it): the logins of
# the ramp (a password hash each, all at once) are not the portal's steady state.
MEASURE_SECONDS = float(os.environ.get("LOAD_MEASURE_SECONDS") or 0)
_users_started = itertools.count(1)
USERS_NOT_LOGGED_IN = [0]  # virtual users stopped because their login failed


def user_started(environment: Any) -> None:
    """After the last user's start: statistics from zero, and the end of the run planned."""
    options = environment.parsed_options
    if not MEASURE_SECONDS or options is None or next(_users_started) != options.num_users:
        return
    environment.runner.stats.reset_all()
    print(
        f"load: all {options.num_users} users logged in; statistics reset, "
        f"measuring {MEASURE_SECONDS:g} s",
        flush=True,
    )
    gevent.spawn_later(MEASURE_SECONDS, environment.runner.quit)
