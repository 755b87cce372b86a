"""Who is calling: identity headers are believed only from the login proxy's addresses."""

from ipaddress import ip_network

import pytest

from orchestra_api.config import IPNetwork
from orchestra_api.identities import (
    EMAIL_HEADER,
    GROUPS_HEADER,
    USER_HEADER,
    Identity,
    bearer_token,
    identify,
    is_trusted_peer,
    token_required,
)
from orchestra_api.problems import Unauthenticated

PROXIES: list[IPNetwork] = [ip_network("10.0.0.0/24"), ip_network("fd00::/64")]
ADMIN_GROUP = "orchestra-admins"


def who(
    headers: dict[str, str], peer: str | None = "10.0.0.7", admin_emails: list[str] | None = None
) -> Identity:
    return identify(
        headers,
        peer,
        trusted_proxies=PROXIES,
        admin_group=ADMIN_GROUP,
        admin_emails=admin_emails or [],
    )


class TestTrustedPeers:
    @pytest.mark.parametrize("peer", ["10.0.0.1", "10.0.0.254", "fd00::1", "fd00::abcd:1"])
    def test_peers_inside_a_proxy_network_are_trusted(self, peer: str) -> None:
        assert is_trusted_peer(peer, PROXIES)
        assert who({EMAIL_HEADER: "ada@example.org"}, peer).email == "ada@example.org"

    @pytest.mark.parametrize("peer", ["10.0.1.1", "192.168.0.1", "fd01::1", "::1", "127.0.0.1"])
    def test_peers_outside_every_proxy_network_are_not(self, peer: str) -> None:
        assert not is_trusted_peer(peer, PROXIES)
        with pytest.raises(Unauthenticated, match="login proxy"):
            who({EMAIL_HEADER: "ada@example.org"}, peer)

    @pytest.mark.parametrize(
        "peer", [None, "", "not-an-ip", "10.0.0.300", "10.0.0.0/24", "testclient", "[fd00::1]"]
    )
    def test_missing_or_garbage_peers_are_not_trusted(self, peer: str | None) -> None:
        assert not is_trusted_peer(peer, PROXIES)
        with pytest.raises(Unauthenticated):
            who({EMAIL_HEADER: "ada@example.org"}, peer)

    def test_no_networks_trust_nobody(self) -> None:
        assert not is_trusted_peer("127.0.0.1", [])

    def test_ipv4_mapped_peer_is_trusted_like_its_ipv4_address(self) -> None:
        assert is_trusted_peer("::ffff:10.0.0.7", PROXIES)
        assert not is_trusted_peer("::ffff:192.0.2.1", PROXIES)


class TestIdentity:
    def test_missing_email_is_unauthenticated_even_from_the_proxy(self) -> None:
        with pytest.raises(Unauthenticated, match="no identity"):
            who({USER_HEADER: "ada"})

    @pytest.mark.parametrize("email", ["", "   "])
    def test_blank_email_is_unauthenticated(self, email: str) -> None:
        with pytest.raises(Unauthenticated):
            who({EMAIL_HEADER: email})

    def test_email_is_lowercased_and_stripped(self) -> None:
        assert (
            who({EMAIL_HEADER: "  Ada.Lovelace@Example.ORG "}).email == "ada.lovelace@example.org"
        )

    def test_user_is_carried_and_absent_user_is_none(self) -> None:
        assert who({EMAIL_HEADER: "a@x.org", USER_HEADER: "ada"}).user == "ada"
        assert who({EMAIL_HEADER: "a@x.org"}).user is None
        assert who({EMAIL_HEADER: "a@x.org", USER_HEADER: ""}).user is None

    def test_groups_are_split_on_commas_and_trimmed(self) -> None:
        identity = who({EMAIL_HEADER: "a@x.org", GROUPS_HEADER: " staff, ,bio-lab,staff,"})
        assert identity.groups == frozenset({"staff", "bio-lab"})

    def test_no_groups_header_means_no_groups(self) -> None:
        assert who({EMAIL_HEADER: "a@x.org"}).groups == frozenset()


class TestAdmins:
    def test_a_learner_is_not_admin(self) -> None:
        assert not who({EMAIL_HEADER: "a@x.org", GROUPS_HEADER: "staff"}).is_admin

    def test_member_of_the_admin_group_is_admin(self) -> None:
        assert who({EMAIL_HEADER: "a@x.org", GROUPS_HEADER: f"staff,{ADMIN_GROUP}"}).is_admin

    def test_group_names_must_match_exactly(self) -> None:
        groups = f"{ADMIN_GROUP}-readonly,{ADMIN_GROUP.upper()}"
        assert not who({EMAIL_HEADER: "a@x.org", GROUPS_HEADER: groups}).is_admin

    def test_listed_email_is_admin_whatever_its_case_in_the_header(self) -> None:
        identity = who({EMAIL_HEADER: "Boss@X.org"}, admin_emails=["boss@x.org"])
        assert identity.is_admin
        assert not who({EMAIL_HEADER: "other@x.org"}, admin_emails=["boss@x.org"]).is_admin


@pytest.mark.parametrize(
    ("value", "token"),
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer  abc ", "abc"),
        ("Bearer ", None),
        ("Basic YWRhOng=", None),
        ("", None),
    ],
)
def test_the_bearer_token_is_read_from_authorization(value: str, token: str | None) -> None:
    assert bearer_token({"authorization": value} if value else {}) == token


def test_where_only_tokens_count_headers_are_refused_in_words() -> None:
    with_headers = token_required({EMAIL_HEADER: "ada@example.org"})
    without = token_required({})
    assert "not believed" in with_headers.detail
    assert "--pass-authorization-header" in with_headers.detail
    assert "sign in" in without.detail
    assert with_headers.headers["WWW-Authenticate"] == without.headers["WWW-Authenticate"]
