//! The JWT attack suite: every hostile token a validator must refuse, each
//! with its own error kind. Tokens are crafted by hand (raw header and
//! payload text, signed with jsonwebtoken's primitives or not at all), and
//! RFC 7515's example tokens are used where they apply.

use crate::support as auth_support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use apishield::auth::jwt::{Claim, HmacSecret, JwtAlgorithm, JwtError, JwtKey, JwtKeys, JwtValidator};
use auth_support::{
    AUD, ISS, NOW, RS_HEADER, b64, claims, fixture, hs256_raw, rs256, rsa_issuer, rsa_validator, sign_raw,
};
use jsonwebtoken::{Algorithm, EncodingKey};

fn rejects(validator: &JwtValidator, token: &str) -> JwtError {
    validator.validate_at(token, NOW).expect_err("the token must be rejected")
}

#[test]
fn a_well_formed_token_passes_so_each_rejection_below_is_the_attack() {
    let token = rs256(RS_HEADER, &claims(""));
    let valid = rsa_validator().validate_at(&token, NOW).unwrap();
    assert_eq!(valid.subject(), "user-42");
}

#[test]
fn alg_none_in_every_casing() {
    let validator = rsa_validator();
    for alg in ["none", "None", "NONE", "nOnE", "NoNe"] {
        let header = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
        let unsigned = format!("{}.{}.", b64(header.as_bytes()), b64(claims("").as_bytes()));
        assert_eq!(rejects(&validator, &unsigned), JwtError::AlgorithmNone, "{alg}");
        // With a signature that is valid for RS256, the header still decides nothing.
        let signed = rs256(&header, &claims(""));
        assert_eq!(rejects(&validator, &signed), JwtError::AlgorithmNone, "{alg}");
    }
    // RFC 7515 appendix A.5: the unsecured JWS example.
    let rfc = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";
    assert_eq!(rejects(&validator, rfc), JwtError::AlgorithmNone);
}

#[test]
fn rs256_to_hs256_confusion_with_the_public_key_as_hmac_secret() {
    // The attacker knows the public key (it is public) and signs with it as
    // an HMAC secret, hoping the server verifies "HS256" with the RSA key.
    let public_pem = fixture("test_rsa_public.pem");
    let forged_key = EncodingKey::from_secret(&public_pem).unwrap();
    for header in [r#"{"alg":"HS256","typ":"JWT","kid":"rsa-1"}"#, r#"{"alg":"HS256","typ":"JWT"}"#] {
        let token = sign_raw(header, &claims(""), Algorithm::HS256, &forged_key);
        assert_eq!(rejects(&rsa_validator(), &token), JwtError::AlgorithmNotAllowed);
    }
    // Even when the validator also accepts HS256 (with its own secret, under
    // another kid), the RSA key never verifies an HMAC token.
    let secret = HmacSecret::generate().unwrap();
    let keys = JwtKeys::new([
        JwtKey::from_pem(JwtAlgorithm::RS256, &public_pem).unwrap().with_kid("rsa-1").unwrap(),
        JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap().with_kid("hs-1").unwrap(),
    ])
    .unwrap();
    let mixed = JwtValidator::builder(keys).issuer(ISS).audience(AUD).build();
    let token = sign_raw(r#"{"alg":"HS256","kid":"rsa-1"}"#, &claims(""), Algorithm::HS256, &forged_key);
    assert_eq!(rejects(&mixed, &token), JwtError::AlgorithmMismatch);
}

#[test]
fn a_token_signed_by_another_key() {
    let other = EncodingKey::from_rsa_pem(&fixture("test_rsa_other_private.pem")).unwrap();
    let token = sign_raw(RS_HEADER, &claims(""), Algorithm::RS256, &other);
    assert_eq!(rejects(&rsa_validator(), &token), JwtError::BadSignature);
}

#[test]
fn expired_not_yet_valid_and_too_long_lived() {
    let validator = rsa_validator();
    let issuer = rsa_issuer();
    let expired = issuer.token("user-42").issued_at(NOW - 3600).sign().unwrap();
    assert_eq!(rejects(&validator, expired.expose_secret()), JwtError::Expired);

    let not_yet = issuer.token("user-42").issued_at(NOW).not_before(NOW + 120).sign().unwrap();
    assert_eq!(rejects(&validator, not_yet.expose_secret()), JwtError::NotYetValid);

    let long = issuer.token("user-42").issued_at(NOW).lifetime(Duration::from_secs(3600)).sign().unwrap();
    assert_eq!(rejects(&validator, long.expose_secret()), JwtError::LifetimeTooLong);
    let ten_years = rs256(
        RS_HEADER,
        &claims("").replace(&format!("\"exp\":{}", NOW + 900), &format!("\"exp\":{}", NOW + 315_360_000)),
    );
    assert_eq!(rejects(&validator, &ten_years), JwtError::LifetimeTooLong);
}

#[test]
fn a_token_expired_30_seconds_ago_with_the_default_leeway() {
    // Valid strictly before exp + leeway (RFC 7519 4.1.4): 30 s late is out,
    // 29 s late is in.
    let validator = rsa_validator();
    let token = rsa_issuer().token("user-42").issued_at(NOW - 900).sign().unwrap();
    assert_eq!(validator.validate_at(token.expose_secret(), NOW + 30).unwrap_err(), JwtError::Expired);
    assert!(validator.validate_at(token.expose_secret(), NOW + 29).is_ok());
}

#[test]
fn a_future_iat_beyond_the_leeway() {
    let validator = rsa_validator();
    let future = rsa_issuer().token("user-42").issued_at(NOW + 31).sign().unwrap();
    assert_eq!(rejects(&validator, future.expose_secret()), JwtError::IssuedInFuture);
    let skewed = rsa_issuer().token("user-42").issued_at(NOW + 30).sign().unwrap();
    assert!(validator.validate_at(skewed.expose_secret(), NOW).is_ok(), "30 s of skew is within the leeway");
}

#[test]
fn each_required_claim_missing() {
    let validator = rsa_validator();
    let all = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&claims("")).unwrap();
    for (name, claim) in
        [("sub", Claim::Sub), ("exp", Claim::Exp), ("iat", Claim::Iat), ("iss", Claim::Iss), ("aud", Claim::Aud)]
    {
        let mut without = all.clone();
        without.remove(name);
        let token = rs256(RS_HEADER, &serde_json::to_string(&without).unwrap());
        assert_eq!(rejects(&validator, &token), JwtError::MissingClaim(claim), "{name}");
    }
}

#[test]
fn claims_of_the_wrong_type() {
    let validator = rsa_validator();
    for (from, to, claim) in [
        (format!("\"exp\":{}", NOW + 900), format!("\"exp\":\"{}\"", NOW + 900), Claim::Exp),
        ("\"sub\":\"user-42\"".into(), "\"sub\":\"\"".into(), Claim::Sub),
        ("\"sub\":\"user-42\"".into(), "\"sub\":42".into(), Claim::Sub),
        (format!("\"iss\":\"{ISS}\""), format!("\"iss\":[\"{ISS}\"]"), Claim::Iss),
        (format!("\"aud\":\"{AUD}\""), "\"aud\":[]".into(), Claim::Aud),
        (format!("\"aud\":\"{AUD}\""), format!("\"aud\":[\"{AUD}\",7]"), Claim::Aud),
        (format!("\"aud\":\"{AUD}\""), "\"aud\":null".into(), Claim::Aud),
    ] {
        let token = rs256(RS_HEADER, &claims("").replace(&from, &to));
        assert_eq!(rejects(&validator, &token), JwtError::InvalidClaim(claim), "{to}");
    }
    let roles = rs256(RS_HEADER, &claims(r#""roles":{"admin":true}"#));
    assert_eq!(rejects(&validator, &roles), JwtError::InvalidClaim(Claim::Roles));
    let scope = rs256(RS_HEADER, &claims(r#""scope":["a","b"]"#));
    assert_eq!(rejects(&validator, &scope), JwtError::InvalidClaim(Claim::Scope));
    let skewed_but_valid = rs256(
        RS_HEADER,
        &claims("")
            .replace(&format!("\"exp\":{}", NOW + 900), &format!("\"exp\":{}", NOW + 60))
            .replace(&format!("\"iat\":{NOW}"), &format!("\"iat\":{}", NOW + 20)),
    );
    assert!(validator.validate_at(&skewed_but_valid, NOW).is_ok());
    let inverted = rs256(
        RS_HEADER,
        &claims("")
            .replace(&format!("\"exp\":{}", NOW + 900), &format!("\"exp\":{}", NOW + 10))
            .replace(&format!("\"iat\":{NOW}"), &format!("\"iat\":{}", NOW + 20)),
    );
    assert_eq!(rejects(&validator, &inverted), JwtError::InvalidClaim(Claim::Exp));
}

#[test]
fn wrong_issuer_and_wrong_audience_in_both_forms() {
    let validator = rsa_validator();
    let wrong_iss = rs256(RS_HEADER, &claims("").replace(ISS, "https://evil.example.com"));
    assert_eq!(rejects(&validator, &wrong_iss), JwtError::WrongIssuer);
    let prefix_iss = rs256(RS_HEADER, &claims("").replace(ISS, &format!("{ISS}/")));
    assert_eq!(rejects(&validator, &prefix_iss), JwtError::WrongIssuer);

    let aud = format!("\"aud\":\"{AUD}\"");
    let wrong_string = rs256(RS_HEADER, &claims("").replace(&aud, "\"aud\":\"billing-api\""));
    assert_eq!(rejects(&validator, &wrong_string), JwtError::WrongAudience);
    let wrong_array = rs256(RS_HEADER, &claims("").replace(&aud, "\"aud\":[\"billing-api\",\"search-api\"]"));
    assert_eq!(rejects(&validator, &wrong_array), JwtError::WrongAudience);
    let right_array = rs256(RS_HEADER, &claims("").replace(&aud, &format!("\"aud\":[\"billing-api\",\"{AUD}\"]")));
    assert_eq!(validator.validate_at(&right_array, NOW).unwrap().audience(), ["billing-api", AUD]);
}

#[test]
fn unknown_kid_is_rejected_without_trying_other_keys() {
    // The token is correctly signed by the only configured key, but names
    // another kid: it is refused, not "verified by whichever key works".
    let token = rs256(r#"{"alg":"RS256","kid":"rsa-2"}"#, &claims(""));
    assert_eq!(rejects(&rsa_validator(), &token), JwtError::UnknownKid);
}

#[test]
fn kid_with_path_traversal_or_sql() {
    let validator = rsa_validator();
    for kid in [
        "../../../../../../dev/null",
        "..\\\\..\\\\windows\\\\win.ini",
        "/etc/passwd\\u0000",
        "' OR '1'='1",
        "rsa-1' UNION SELECT 'secret' --",
        "1; DROP TABLE keys",
        "rsa-1\\n",
    ] {
        let token = rs256(&format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#), &claims(""));
        assert_eq!(rejects(&validator, &token), JwtError::InvalidKid, "{kid}");
    }
    let long = rs256(&format!(r#"{{"alg":"RS256","kid":"{}"}}"#, "k".repeat(300)), &claims(""));
    assert_eq!(rejects(&validator, &long), JwtError::InvalidKid);
    let numeric = rs256(r#"{"alg":"RS256","kid":7}"#, &claims(""));
    assert_eq!(rejects(&validator, &numeric), JwtError::InvalidKid);
}

#[test]
fn jku_x5u_and_embedded_keys_are_never_fetched_or_trusted() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let validator = rsa_validator();

    // An attacker's own EC key pair, embedded as `jwk` and used to sign.
    let attacker = EncodingKey::from_ec_pem(&fixture("test_ec_p256_private.pem")).unwrap();
    let jwk = r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#;
    let embedded = sign_raw(&format!(r#"{{"alg":"ES256","jwk":{jwk}}}"#), &claims(""), Algorithm::ES256, &attacker);
    assert_eq!(rejects(&validator, &embedded), JwtError::UntrustedKeyHeader);
    let embedded_rs = rs256(&format!(r#"{{"alg":"RS256","kid":"rsa-1","jwk":{jwk}}}"#), &claims(""));
    assert_eq!(rejects(&validator, &embedded_rs), JwtError::UntrustedKeyHeader);

    for header in [
        format!(r#"{{"alg":"RS256","kid":"rsa-1","jku":"{url}"}}"#),
        format!(r#"{{"alg":"RS256","kid":"rsa-1","x5u":"{url}"}}"#),
        r#"{"alg":"RS256","kid":"rsa-1","x5c":["MIIBIjANBgkq"]}"#.to_string(),
    ] {
        let token = rs256(&header, &claims(""));
        assert_eq!(rejects(&validator, &token), JwtError::UntrustedKeyHeader, "{header}");
    }
    // Nobody connected to the URL the tokens pointed at.
    assert_eq!(listener.accept().unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
}

#[test]
fn ecdsa_signature_with_r_and_s_zero_cve_2022_21449() {
    let validator = auth_support::ec_validator();
    let input = format!("{}.{}", b64(br#"{"alg":"ES256","kid":"ec-1"}"#), b64(claims("").as_bytes()));
    let zero = format!("{input}.{}", b64(&[0u8; 64]));
    assert_eq!(rejects(&validator, &zero), JwtError::BadSignature);
    // r = s = n (the group order) is zero modulo n: the same attack.
    let n = hex_bytes("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
    let order = format!("{input}.{}", b64(&[n.clone(), n].concat()));
    assert_eq!(rejects(&validator, &order), JwtError::BadSignature);
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn truncated_or_tampered_signatures_and_payloads() {
    let validator = rsa_validator();
    let token = rsa_issuer().issue("user-42").unwrap();
    let token = token.expose_secret();
    assert!(validator.validate(token).is_ok());

    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature = base64_decode(signature);
    for cut in [1, 128, 255] {
        let truncated = format!("{input}.{}", b64(&signature[..signature.len() - cut]));
        assert_eq!(validator.validate(&truncated).unwrap_err(), JwtError::BadSignature, "{cut}");
    }
    let no_signature = format!("{input}.");
    assert_eq!(validator.validate(&no_signature).unwrap_err(), JwtError::BadSignature);

    let mut tampered = token.to_string();
    let at = tampered.len() - 20;
    let flipped = if &tampered[at..=at] == "A" { "B" } else { "A" };
    tampered.replace_range(at..=at, flipped);
    assert_eq!(validator.validate(&tampered).unwrap_err(), JwtError::BadSignature);

    // The payload changed, the signature kept: sub "user-42" becomes "admin".
    let (header, rest) = token.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let claims_text = String::from_utf8(base64_decode(payload)).unwrap().replace("user-42", "admin");
    let forged = format!("{header}.{}.{signature}", b64(claims_text.as_bytes()));
    assert_eq!(validator.validate(&forged).unwrap_err(), JwtError::BadSignature);
}

fn base64_decode(segment: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(segment).unwrap()
}

#[test]
fn a_one_megabyte_token_is_refused_before_decoding() {
    let validator = rsa_validator();
    let huge = rs256(RS_HEADER, &claims(&format!(r#""pad":"{}""#, "x".repeat(1 << 20))));
    let started = Instant::now();
    for _ in 0..1000 {
        assert_eq!(rejects(&validator, &huge), JwtError::TooLarge);
    }
    // A thousand refusals of a 1 MB token cost no decoding: well under a second.
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    let garbage = "a".repeat(8 * 1024 + 1);
    assert_eq!(rejects(&validator, &garbage), JwtError::TooLarge);
}

#[test]
fn non_json_or_non_base64url_segments() {
    let validator = rsa_validator();
    let good = rs256(RS_HEADER, &claims(""));
    let (header, rest) = good.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();

    for bad_b64 in ["eyJ*", "eyJhbGciOiJSUzI1NiJ9==", "ey Jh", "eyJhbGciOiJSUzI1NiJ9+/"] {
        assert_eq!(rejects(&validator, &format!("{bad_b64}.{payload}.{signature}")), JwtError::Base64, "{bad_b64}");
        assert_eq!(rejects(&validator, &format!("{header}.{bad_b64}.{signature}")), JwtError::Base64, "{bad_b64}");
        assert_eq!(rejects(&validator, &format!("{header}.{payload}.{bad_b64}")), JwtError::Base64, "{bad_b64}");
    }
    // Standard base64 with padding instead of base64url: refused, not "fixed".
    assert_eq!(rejects(&validator, &format!("{header}.{payload}.{signature}=")), JwtError::Base64);

    for not_json in ["not json", "[1,2]", "\"text\"", "{\"alg\":\"RS256\"", "\u{feff}{}"] {
        let token = format!("{}.{payload}.{signature}", b64(not_json.as_bytes()));
        assert_eq!(rejects(&validator, &token), JwtError::Json, "{not_json}");
        let token = rs256(RS_HEADER, not_json);
        assert_eq!(rejects(&validator, &token), JwtError::Json, "{not_json}");
    }
    assert_eq!(rejects(&validator, &format!("{}.{payload}.{signature}", b64(b"\xff\xfe"))), JwtError::Json);
}

#[test]
fn malformed_shapes() {
    let validator = rsa_validator();
    let good = rs256(RS_HEADER, &claims(""));
    for bad in [
        String::new(),
        "abc".to_string(),
        "a.b".to_string(),
        format!("{good}.extra"),
        format!(".{}", good.split_once('.').unwrap().1),
        // A JWE (five segments) is not a JWS.
        "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d".to_string(),
    ] {
        assert_eq!(rejects(&validator, &bad), JwtError::Malformed, "{bad}");
    }
    let no_alg = rs256(r#"{"typ":"JWT"}"#, &claims(""));
    assert_eq!(rejects(&validator, &no_alg), JwtError::Malformed);
    let duplicate_header = rs256(r#"{"alg":"RS256","kid":"rsa-1","alg":"none"}"#, &claims(""));
    assert_eq!(rejects(&validator, &duplicate_header), JwtError::DuplicateHeader);
}

#[test]
fn unknown_or_empty_crit() {
    let validator = rsa_validator();
    for crit in [r#"["exp-ext"]"#, "[]", r#"["b64"]"#, r#""exp""#] {
        let token =
            rs256(&format!(r#"{{"alg":"RS256","kid":"rsa-1","crit":{crit},"exp-ext":1,"b64":false}}"#), &claims(""));
        assert_eq!(rejects(&validator, &token), JwtError::UnsupportedCrit, "{crit}");
    }
}

#[test]
fn a_wrong_typ_under_explicit_typing() {
    let key =
        JwtKey::from_pem(JwtAlgorithm::RS256, &fixture("test_rsa_public.pem")).unwrap().with_kid("rsa-1").unwrap();
    let validator = JwtValidator::builder(key).issuer(ISS).audience(AUD).token_type("at+jwt").build();
    for typ in [Some("JWT"), Some("id_token+jwt"), Some("at+jwt+x"), None] {
        let header = match typ {
            Some(typ) => format!(r#"{{"alg":"RS256","kid":"rsa-1","typ":"{typ}"}}"#),
            None => r#"{"alg":"RS256","kid":"rsa-1"}"#.to_string(),
        };
        assert_eq!(rejects(&validator, &rs256(&header, &claims(""))), JwtError::WrongType, "{typ:?}");
    }
    for typ in ["at+jwt", "AT+JWT", "application/at+jwt"] {
        let header = format!(r#"{{"alg":"RS256","kid":"rsa-1","typ":"{typ}"}}"#);
        assert!(validator.validate_at(&rs256(&header, &claims("")), NOW).is_ok(), "{typ}");
    }
}

#[test]
fn a_duplicated_role_claim() {
    let validator = rsa_validator();
    for extra in [
        r#""role":"user","role":"admin""#,
        r#""roles":["user"],"roles":["admin"]"#,
        r#""role":"user","rol\u0065":"admin""#,
        r#""realm_access":{"roles":["user"],"roles":["admin"]}"#,
    ] {
        assert_eq!(rejects(&validator, &rs256(RS_HEADER, &claims(extra))), JwtError::DuplicateClaim, "{extra}");
    }
    let sub_twice = rs256(RS_HEADER, &claims(r#""sub":"admin""#));
    assert_eq!(rejects(&validator, &sub_twice), JwtError::DuplicateClaim);
}

#[test]
fn hmac_tokens_signed_with_an_empty_or_8_byte_key() {
    let secret = HmacSecret::generate().unwrap();
    let validator =
        JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap()).issuer(ISS).audience(AUD).build();
    for weak in [&b""[..], b"12345678"] {
        let token = hs256_raw(r#"{"alg":"HS256","typ":"JWT"}"#, &claims(""), weak);
        assert_eq!(rejects(&validator, &token), JwtError::BadSignature);
    }
    // RFC 7515 A.1: a real HS256 token with another (64-byte) key. Its
    // issuer `joe` is not this validator's: refused before any key is tried.
    let rfc = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    assert_eq!(rejects(&validator, rfc), JwtError::WrongIssuer);
    let joe =
        JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap()).issuer("joe").audience(AUD).build();
    assert_eq!(rejects(&joe, rfc), JwtError::BadSignature);
}

#[test]
fn every_attack_class_has_its_own_error_kind() {
    use std::collections::HashSet;
    let kinds = [
        JwtError::TooLarge,
        JwtError::Malformed,
        JwtError::Base64,
        JwtError::Json,
        JwtError::DuplicateHeader,
        JwtError::DuplicateClaim,
        JwtError::AlgorithmNone,
        JwtError::AlgorithmNotAllowed,
        JwtError::AlgorithmMismatch,
        JwtError::MissingKid,
        JwtError::UnknownKid,
        JwtError::InvalidKid,
        JwtError::UntrustedKeyHeader,
        JwtError::UnsupportedCrit,
        JwtError::WrongType,
        JwtError::BadSignature,
        JwtError::MissingClaim(Claim::Sub),
        JwtError::InvalidClaim(Claim::Sub),
        JwtError::WrongIssuer,
        JwtError::WrongAudience,
        JwtError::Expired,
        JwtError::NotYetValid,
        JwtError::IssuedInFuture,
        JwtError::LifetimeTooLong,
    ];
    let codes: HashSet<_> = kinds.iter().map(|k| k.code()).collect();
    assert_eq!(codes.len(), kinds.len());
    // And no message repeats a token: they are fixed texts.
    for kind in kinds {
        assert!(kind.to_string().starts_with("token rejected: "));
    }
}

#[test]
fn errors_never_echo_the_token() {
    let validator = rsa_validator();
    let token = rs256(r#"{"alg":"RS256","kid":"SECRET-KID-MARKER"}"#, &claims(r#""x":"SECRET-CLAIM-MARKER""#));
    let error = rejects(&validator, &token);
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
}
