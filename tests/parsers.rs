//! Property tests: the parsers never panic, and spans stay inside the text on char boundaries.

use mslint::parse::dockerfile;
use mslint::parse::yaml::{Node, Value, parse_stream};
use proptest::prelude::*;

fn check_spans(text: &str, node: &Node<'_>) {
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        let range = node.span.range();
        assert!(
            range.end <= text.len() && range.start <= range.end,
            "{range:?} outside {}",
            text.len()
        );
        assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
        match &node.value {
            Value::Scalar(value)
                if value.is_plain() && !value.text().contains(['\n', ' ']) && !value.text().is_empty() =>
            {
                assert_eq!(&text[range], value.text());
            }
            Value::Scalar(..) => {}
            Value::Sequence(items) => pending.extend(items),
            Value::Mapping(entries) => {
                for entry in entries {
                    pending.push(&entry.key);
                    pending.push(&entry.value);
                }
            }
        }
    }
}

fn yamlish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "b: ",
        "- ",
        "\n",
        "  ",
        "\t",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "\"",
        "'",
        "&x ",
        "*x",
        "<<: ",
        "---\n",
        "é",
        "#c",
        "|\n",
        "~",
        "apiVersion: v1\n",
        "kind: Pod\n",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn yaml_never_panics_and_spans_are_source_text(text in yamlish()) {
        let stream = parse_stream(&text);
        for document in &stream.documents {
            check_spans(&text, &document.root);
        }
        for error in &stream.errors {
            prop_assert!(error.span.range().end <= text.len());
        }
    }

    #[test]
    fn yaml_survives_arbitrary_text(text in "\\PC{0,200}") {
        let stream = parse_stream(&text);
        for document in &stream.documents {
            check_spans(&text, &document.root);
        }
    }

    #[test]
    fn dockerfiles_never_panic_and_spans_stay_inside(text in "(FROM|RUN|USER|ENV|ARG|COPY|CMD|\\\\\n| |a=b|\"|'|\\[|\\]|<<EOF\n|EOF\n|\n|x|#){0,40}") {
        let file = dockerfile::parse(&text);
        for instruction in &file.instructions {
            prop_assert!(instruction.span.range().end <= text.len());
            prop_assert!(text.is_char_boundary(instruction.keyword_span.start as usize));
        }
        for error in &file.errors {
            prop_assert!(error.span.range().end <= text.len());
        }
    }
}
