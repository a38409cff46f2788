using System.Text.Json;
using GmoSign.Errors;
using GmoSign.Grains.Envelopes;
using GmoSign.Grains.Ports;
using Microsoft.Extensions.Time.Testing;

namespace GmoSign.Grains.Tests;

/// <summary>
/// Input fields through the envelope's rules, with a clock the test sets: where the sender may place them, what the
/// signer's values must be, and what a signature, a reassignment and the completion make of them. Every refusal is
/// checked to name the exact field and to leave the stored form of the state as it was.
/// </summary>
public sealed class EnvelopeFieldTests
{
    /// <summary>16:00 UTC on 1 December is already 2 December in Japan.</summary>
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 16, 0, 0, TimeSpan.Zero);
    private static readonly Guid Tenant = Guid.NewGuid();
    private static readonly Actor Sender = new(Guid.NewGuid(), "送信 太郎", "sender@example.jp", "192.0.2.1", "test");
    private static readonly Actor Admin = new(Guid.NewGuid(), "管理 花子", "admin@example.jp", null, null, ManagesAll: true);
    private static readonly Actor Stranger = new(Guid.NewGuid(), "他人", "other@example.jp", null, null);

    private const string Ko = "青木 一郎";   // 甲
    private const string Otsu = "Baba Hanako"; // 乙
    private const string Copy = "加藤 経理";  // CC

    private static readonly PageSize Portrait = new(595, 842);
    private static readonly PageSize Landscape = new(842, 595);

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly EnvelopeOptions _options = new();

    // ---------------------------------------------------------------- helpers

    /// <summary>A draft for 甲 (step 1) and 乙 (step 2) with a carbon copy, and two documents: contract.pdf (portrait, then landscape) and appendix.pdf.</summary>
    private Envelope Draft()
    {
        var draft = new EnvelopeDraft(Tenant, "create-1", "業務委託契約", "ご確認ください",
        [
            new RecipientSpec(Ko, "aoki@example.jp", false, 1, null, false, null, "甲"),
            new RecipientSpec(Otsu, "baba@example.jp", false, 2, null, false, null, "乙"),
            new RecipientSpec(Copy, "kato@example.jp", true, 1, null, false, null),
        ], [], [], new RetentionSpec("contract", null, 100_000, "JPY", null, ["営業"]), true, 30, [], 0, Sender);
        var (envelope, change) = Envelope.Create(Guid.NewGuid(), draft, _options, _clock);
        envelope.Seal(change, null, 0);
        Commit(envelope, envelope.AddDocument(new NewDocument(Guid.NewGuid(), Guid.NewGuid(), "contract.pdf", 1000, new byte[32], null), Sender)!);
        Commit(envelope, envelope.AddDocument(new NewDocument(Guid.NewGuid(), Guid.NewGuid(), "appendix.pdf", 1000, new byte[32], null), Sender)!);
        return envelope;
    }

    private static Guid Contract(Envelope e) => e.State.Documents.Single(d => d.FileName == "contract.pdf").DocumentId;

    private static Guid Appendix(Envelope e) => e.State.Documents.Single(d => d.FileName == "appendix.pdf").DocumentId;

    private static Dictionary<Guid, IReadOnlyList<PageSize>> Pages(Envelope e) => new()
    {
        [Contract(e)] = [Portrait, Landscape],
        [Appendix(e)] = [Portrait],
    };

    private static FieldSpec Field(string name, FieldKind kind, Guid document, string recipient = "甲", int page = 1,
        double x = 72, double y = 72, double width = 120, double height = 20) =>
        new(name, document, null, recipient, kind, page, x, y, width, height, false, 0, [], null, false, null, FieldMapping.None, null);

    /// <summary>Three valid fields the placement refusals start from.</summary>
    private static List<FieldSpec> Basic(Envelope e) =>
    [
        Field("company", FieldKind.Text, Contract(e), width: 250) with { Required = true, MapsTo = FieldMapping.Counterparty },
        Field("signed_on", FieldKind.Date, Contract(e), "乙", page: 2) with { DateFormat = "yyyy年M月d日", MapsTo = FieldMapping.TransactionDate },
        Field("agree", FieldKind.Checkbox, Appendix(e), "乙", width: 14, height: 14) with { Required = true },
    ];

    /// <summary>甲's seven fields of every kind and one of 乙's, placed and sent.</summary>
    private Envelope SentWithFields()
    {
        var e = Draft();
        var contract = Contract(e);
        Commit(e, e.SetFields(
        [
            Field("company", FieldKind.Text, contract, y: 700, width: 250) with { Required = true, MaxLength = 20, MapsTo = FieldMapping.Counterparty, Label = "会社名" },
            Field("amount", FieldKind.Text, contract, y: 670) with { MapsTo = FieldMapping.Amount },
            Field("signed_on", FieldKind.Date, contract, y: 640) with { DateFormat = "yyyy年M月d日", MapsTo = FieldMapping.TransactionDate },
            Field("agree", FieldKind.Checkbox, Appendix(e), width: 14, height: 14) with { Required = true },
            Field("plan", FieldKind.Dropdown, contract, y: 610) with { Options = ["Basic", "Premium"] },
            Field("ref_no", FieldKind.Text, contract, y: 580) with { Value = "REF-001", ReadOnly = true },
            Field("stamp", FieldKind.Signature, contract, x: 300, y: 600, width: 170, height: 54),
            Field("initials", FieldKind.Initials, contract, page: 0, x: 500, y: 20, width: 40, height: 16),
            Field("b_name", FieldKind.Text, Appendix(e), "乙", y: 500) with { Required = true },
        ], Pages(e), Sender)!);
        Commit(e, e.Send(Sender, certificateOptionHeld: false));
        return e;
    }

    /// <summary>甲's values that pass every check.</summary>
    private static Dictionary<string, string> Good() => new() { ["company"] = "株式会社甲商事", ["agree"] = "true" };

    private static List<FieldValueInput> Values(IEnumerable<KeyValuePair<string, string>> values) =>
        values.Select(v => new FieldValueInput(v.Key, v.Value)).ToList();

    private static EnvelopeCommit Commit(Envelope e, EnvelopeChange change, string? requestId = null) =>
        e.Seal(change, requestId, e.State.Version);

    private static RecipientState Recipient(Envelope e, string name) => e.State.Recipients.Single(r => r.Name == name && r.Status != RecipientStatus.Reassigned);

    private static RecipientActor Granted(Envelope e, string name) =>
        Assert.IsType<AccessDecision.Granted>(e.Authorize(new RecipientAccess(Tenant, Recipient(e, name).RecipientId, true, null,
            new Actor(null, "", null, "198.51.100.7", "browser")))).Who;

    /// <summary>Signs as the service does: checks the values, "signs" every document, records, completes after the last signer.</summary>
    private static EnvelopeChange Sign(Envelope e, string name, Dictionary<string, string> values)
    {
        var who = Granted(e, name);
        e.CheckSign(who);
        var filled = e.CheckFieldValues(who, Values(values));
        var change = new EnvelopeChange(e.Now());
        e.RecordSignature(change, who, e.State.Documents.Select(d => new DocumentRevision(d.DocumentId, Guid.NewGuid(), [1, 2, 3])).ToList(), filled);
        if (e.Status == EnvelopeStatus.Completed)
        {
            e.Complete(change, e.State.Documents.Select(d => new DocumentRevision(d.DocumentId, Guid.NewGuid(), [9, 9])).ToList());
            e.AttachCompletionRecords(change, Guid.NewGuid(), Guid.NewGuid());
        }
        Commit(e, change, $"sign-{name}");
        return change;
    }

    /// <summary>Runs a refused operation and asserts the reason and that the stored form of the state did not move.</summary>
    private static DomainException Refused(Envelope e, string reason, Action act)
    {
        var before = e.Serialize();
        var ex = Assert.Throws<DomainException>(act);
        Assert.Equal(reason, ex.Reason);
        Assert.Equal(before, e.Serialize());
        return ex;
    }

    private static FieldState Placed(Envelope e, string name) => e.State.Fields.Single(f => f.Name == name);

    // ---------------------------------------------------------------- placement

    public static TheoryData<string, string> PlacementMistakes() => new()
    {
        { "NaN x", "fields[1].rect" },
        { "infinite width", "fields[1].rect" },
        { "negative y", "fields[1].rect" },
        { "too narrow", "fields[1].rect" },
        { "outside the page", "fields[1].rect" },
        { "initials off the landscape page", "fields[3].rect" },
        { "page beyond the document", "fields[0].page" },
        { "page 0 for text", "fields[0].page" },
        { "negative page", "fields[0].page" },
        { "unknown label", "fields[2].recipient_label" },
        { "label over 50 characters", "fields[2].recipient_label" },
        { "unknown recipient id", "fields[2].recipient_id" },
        { "no recipient", "fields[2].recipient_id" },
        { "carbon copy", "fields[2].recipient_id" },
        { "unknown document", "fields[1].document_id" },
        { "duplicate name", "fields[2].name" },
        { "name with spaces", "fields[0].name" },
        { "dropdown without options", "fields[2].options" },
        { "duplicate options", "fields[2].options" },
        { "options on text", "fields[0].options" },
        { "amount on a checkbox", "fields[2].maps_to" },
        { "transaction date twice", "fields[3].maps_to" },
        { "date format on text", "fields[0].date_format" },
        { "unknown date format", "fields[1].date_format" },
        { "max_length over 500", "fields[0].max_length" },
        { "read-only without value", "fields[0].value" },
        { "pre-filled amount not a number", "fields[0].value" },
        { "pre-filled bad date", "fields[1].value" },
        { "signature with a value", "fields[3].value" },
        { "two stamps of one signer on one document", "fields[4].type" },
        { "read-only required checkbox left unchecked", "fields[2].value" },
        { "501 fields", "fields" },
        { "two every-page initials of one signer", "fields[4].page" },
        { "counterparty text over 200", "fields[0].max_length" },
        { "label with a newline", "fields[0].label" },
    };

    [Fact]
    public void Initials_on_every_page_of_a_long_document_are_bounded_by_what_a_signature_may_draw()
    {
        var e = Draft();
        var pages = new Dictionary<Guid, IReadOnlyList<PageSize>>
        {
            [Contract(e)] = Enumerable.Repeat(Portrait, 1000).ToList(),
            [Appendix(e)] = [Portrait],
        };
        List<FieldSpec> fields =
        [
            Field("ko_initials", FieldKind.Initials, Contract(e), "甲", page: 0, y: 20, width: 40, height: 16),
            Field("otsu_initials", FieldKind.Initials, Contract(e), "乙", page: 0, y: 60, width: 40, height: 16),
        ];
        Assert.NotNull(e.SetFields(fields, pages, Sender)); // 2,000 drawn: the limit
        fields.Add(Field("one_more", FieldKind.Text, Contract(e), "甲", y: 200));
        var ex = Assert.Throws<DomainException>(() => e.SetFields(fields, pages, Sender));
        Assert.Equal("fields", ex.Field);
        Assert.Contains("contract.pdf", ex.English);
        Assert.Equal(2, e.State.Fields.Count);
    }

    [Theory]
    [MemberData(nameof(PlacementMistakes))]
    public void A_refused_placement_names_the_field_path_and_keeps_the_fields_placed_before(string mistake, string path)
    {
        var e = Draft();
        Commit(e, e.SetFields([Field("earlier", FieldKind.Text, Appendix(e), "乙")], Pages(e), Sender)!);
        var fields = Basic(e);
        var contract = Contract(e);
        switch (mistake)
        {
            case "NaN x": fields[1] = fields[1] with { X = double.NaN }; break;
            case "infinite width": fields[1] = fields[1] with { Width = double.PositiveInfinity }; break;
            case "negative y": fields[1] = fields[1] with { Y = -1 }; break;
            case "too narrow": fields[1] = fields[1] with { Width = 3.9 }; break;
            case "outside the page": fields[1] = fields[1] with { X = 800, Width = 50 }; break; // past the right edge of the landscape page 2
            case "initials off the landscape page":
                // y 700 is on the portrait page 1 but above the landscape page 2: page 0 means every page.
                fields.Add(Field("initials", FieldKind.Initials, contract, page: 0, y: 700, width: 40, height: 16));
                break;
            case "page beyond the document": fields[0] = fields[0] with { Page = 3 }; break;
            case "page 0 for text": fields[0] = fields[0] with { Page = 0 }; break;
            case "negative page": fields[0] = fields[0] with { Page = -1 }; break;
            case "unknown label": fields[2] = fields[2] with { RecipientLabel = "丙" }; break;
            case "label over 50 characters": fields[2] = fields[2] with { RecipientLabel = new string('丙', 51) }; break;
            case "unknown recipient id": fields[2] = fields[2] with { RecipientId = Guid.NewGuid(), RecipientLabel = null }; break;
            case "no recipient": fields[2] = fields[2] with { RecipientLabel = null }; break;
            case "carbon copy": fields[2] = fields[2] with { RecipientId = Recipient(e, Copy).RecipientId, RecipientLabel = null }; break;
            case "unknown document": fields[1] = fields[1] with { DocumentId = Guid.NewGuid() }; break;
            case "duplicate name": fields[2] = fields[2] with { Name = "company" }; break;
            case "name with spaces": fields[0] = fields[0] with { Name = "company name" }; break;
            case "dropdown without options": fields[2] = fields[2] with { Kind = FieldKind.Dropdown, Required = false }; break;
            case "duplicate options": fields[2] = fields[2] with { Kind = FieldKind.Dropdown, Options = ["A", "A"] }; break;
            case "options on text": fields[0] = fields[0] with { Options = ["A"] }; break;
            case "amount on a checkbox": fields[2] = fields[2] with { MapsTo = FieldMapping.Amount }; break;
            case "transaction date twice": fields.Add(Field("delivered_on", FieldKind.Date, contract) with { MapsTo = FieldMapping.TransactionDate }); break;
            case "date format on text": fields[0] = fields[0] with { DateFormat = "yyyy/MM/dd" }; break;
            case "unknown date format": fields[1] = fields[1] with { DateFormat = "dd.MM.yyyy" }; break;
            case "max_length over 500": fields[0] = fields[0] with { MaxLength = 501 }; break;
            case "read-only without value": fields[0] = fields[0] with { ReadOnly = true }; break;
            case "pre-filled amount not a number": fields[0] = fields[0] with { MapsTo = FieldMapping.Amount, Value = "百万円" }; break;
            case "pre-filled bad date": fields[1] = fields[1] with { Value = "2026-02-30" }; break;
            case "signature with a value": fields.Add(Field("stamp", FieldKind.Signature, contract, y: 300) with { Value = "x" }); break;
            case "two stamps of one signer on one document":
                fields.Add(Field("stamp", FieldKind.Signature, contract, y: 300));
                fields.Add(Field("stamp2", FieldKind.Signature, contract, y: 400));
                break;
            case "read-only required checkbox left unchecked": fields[2] = fields[2] with { ReadOnly = true }; break;
            case "two every-page initials of one signer":
                fields.Add(Field("initials", FieldKind.Initials, contract, page: 0, y: 20, width: 40, height: 16));
                fields.Add(Field("initials2", FieldKind.Initials, contract, page: 0, y: 60, width: 40, height: 16));
                break;
            case "counterparty text over 200": fields[0] = fields[0] with { MapsTo = FieldMapping.Counterparty, MaxLength = 201 }; break;
            case "label with a newline": fields[0] = fields[0] with { Label = "会社名\n(必須)" }; break;
            case "501 fields":
                fields = Enumerable.Range(0, FieldRules.MaxFields + 1).Select(i => Field($"f{i}", FieldKind.Text, Appendix(e), "乙")).ToList();
                break;
            default: throw new ArgumentOutOfRangeException(nameof(mistake), mistake, null);
        }

        var ex = Refused(e, "INVALID_FIELD", () => e.SetFields(fields, Pages(e), Sender));

        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(path, ex.Field);
        Assert.StartsWith(path, ex.English);
        Assert.True(ex.English.Length < 200 && ex.Japanese.Length < 200, ex.English); // nothing unbounded is echoed
        Assert.Equal(["earlier"], e.State.Fields.Select(f => f.Name));
    }

    [Fact]
    public void A_rectangle_outside_the_page_is_refused_with_the_page_the_file_and_its_size()
    {
        var e = Draft();
        var fields = Basic(e);
        fields[1] = fields[1] with { Y = 590 }; // page 2 is landscape: 595 points high

        var ex = Refused(e, "INVALID_FIELD", () => e.SetFields(fields, Pages(e), Sender));

        Assert.Equal("fields[1].rect", ex.Field);
        Assert.Contains("page 2 of 'contract.pdf' (842 x 595 points)", ex.English);
        Assert.Contains("「contract.pdf」の2ページ", ex.Japanese);
        Assert.Empty(e.State.Fields);

        // The same rectangle on the portrait page 1 fits, as does one touching the landscape page's top edge.
        fields[1] = fields[1] with { Page = 1 };
        Commit(e, e.SetFields(fields, Pages(e), Sender)!);
        fields[1] = fields[1] with { Page = 2, Y = 595 - 20 };
        Commit(e, e.SetFields(fields, Pages(e), Sender)!);
        Assert.Equal(2, Placed(e, "signed_on").Page);
    }

    [Fact]
    public void Placing_resolves_labels_to_signers_applies_the_defaults_and_replaces_the_fields_placed_before()
    {
        var e = Draft();
        var ko = Recipient(e, Ko).RecipientId;
        var otsu = Recipient(e, Otsu).RecipientId;
        Assert.Equal(new string?[] { "甲", "乙", null }, e.View().Recipients.Select(r => r.Label));

        var change = e.SetFields(Basic(e), Pages(e), Sender)!;
        Commit(e, change);

        var view = e.View().Fields;
        Assert.Equal(["company", "signed_on", "agree"], view.Select(f => f.Name));
        Assert.Equal([ko, otsu, otsu], view.Select(f => f.RecipientId));
        Assert.Equal([FieldRules.DefaultMaxLength, 0, 0], view.Select(f => f.MaxLength));
        Assert.Equal(new string?[] { null, "yyyy年M月d日", null }, view.Select(f => f.DateFormat));
        Assert.Equal([Contract(e), Contract(e), Appendix(e)], view.Select(f => f.DocumentId));
        Assert.All(view, f => Assert.Null(f.Value));
        Assert.All(view, f => Assert.Null(f.FilledAt));
        var audit = Assert.Single(change.Events);
        Assert.Equal("fields_set", audit.Action);
        Assert.Contains("\"company\"", audit.Detail);

        // A date without a format gets the default; a signer named by id instead of label; a sender's value is kept in its stored form.
        Commit(e, e.SetFields(
        [
            new FieldSpec("due", Contract(e), otsu, null, FieldKind.Date, 1, 72, 72, 120, 20, false, 0, [], "2027-01-31", false, null, FieldMapping.None, "納期"),
        ], Pages(e), Admin)!);
        var due = Assert.Single(e.View().Fields);
        Assert.Equal(("yyyy/MM/dd", "2027-01-31", "納期", otsu), (due.DateFormat, due.Value, due.Label, due.RecipientId));

        // An empty list removes every field.
        Commit(e, e.SetFields([], Pages(e), Sender)!);
        Assert.Empty(e.View().Fields);
    }

    [Fact]
    public void Only_the_sender_or_an_administrator_places_fields_and_only_on_a_draft()
    {
        var e = Draft();
        Refused(e, "PERMISSION_DENIED", () => e.SetFields(Basic(e), Pages(e), Stranger));
        Assert.Empty(e.State.Fields);

        Commit(e, e.SetFields(Basic(e), Pages(e), Admin)!);
        Assert.Equal(3, e.State.Fields.Count);
        Commit(e, e.Send(Sender, certificateOptionHeld: false));

        Refused(e, "ENVELOPE_STATUS", () => e.SetFields([], Pages(e), Sender));
        Refused(e, "ENVELOPE_STATUS", () => e.SetFields(Basic(e), Pages(e), Admin));
        Assert.Equal(3, e.State.Fields.Count);
    }

    // ---------------------------------------------------------------- filling

    public static TheoryData<string, string, string?> FillMistakes() => new()
    {
        { "unknown name", "field_values[nope]", null },
        { "a name no field could have", "field_values[2].name", null },
        { "another signer's field", "field_values[b_name]", null },
        { "duplicate name", "field_values[company]", "contract.pdf" },
        { "read-only changed", "field_values[ref_no]", "contract.pdf" },
        { "required text empty", "field_values[company]", "contract.pdf" },
        { "required text missing", "field_values[company]", "contract.pdf" },
        { "required checkbox unchecked", "field_values[agree]", "appendix.pdf" },
        { "checkbox neither true nor false", "field_values[agree]", "appendix.pdf" },
        { "dropdown value not an option", "field_values[plan]", "contract.pdf" },
        { "impossible date", "field_values[signed_on]", "contract.pdf" },
        { "date with slashes", "field_values[signed_on]", "contract.pdf" },
        { "date before 1900", "field_values[signed_on]", "contract.pdf" },
        { "date after 2100", "field_values[signed_on]", "contract.pdf" },
        { "amount in words", "field_values[amount]", "contract.pdf" },
        { "amount over 10^15", "field_values[amount]", "contract.pdf" },
        { "newline", "field_values[company]", "contract.pdf" },
        { "NUL", "field_values[plan]", "contract.pdf" },
        { "over max_length", "field_values[company]", "contract.pdf" },
        { "over 500 characters", "field_values[amount]", "contract.pdf" },
        { "value for a signature field", "field_values[stamp]", "contract.pdf" },
        { "initials over 10 characters", "field_values[initials]", "contract.pdf" },
    };

    [Theory]
    [MemberData(nameof(FillMistakes))]
    public void A_refused_value_names_the_field_and_its_document_and_changes_nothing(string mistake, string path, string? fileName)
    {
        var e = SentWithFields();
        var who = Granted(e, Ko);
        var values = Good().ToList();
        void Set(string name, string value) => values.Add(new(name, value));
        switch (mistake)
        {
            case "unknown name": Set("nope", "x"); break;
            case "a name no field could have": Set(new string('名', 1000), "x"); break;
            case "another signer's field": Set("b_name", "乙の値"); break;
            case "duplicate name": Set("company", "株式会社甲商事"); break;
            case "read-only changed": Set("ref_no", "REF-999"); break;
            case "required text empty": values.RemoveAll(v => v.Key == "company"); Set("company", ""); break;
            case "required text missing": values.RemoveAll(v => v.Key == "company"); break;
            case "required checkbox unchecked": values.RemoveAll(v => v.Key == "agree"); Set("agree", "false"); break;
            case "checkbox neither true nor false": values.RemoveAll(v => v.Key == "agree"); Set("agree", "yes"); break;
            case "dropdown value not an option": Set("plan", "Gold"); break;
            case "impossible date": Set("signed_on", "2026-02-30"); break;
            case "date with slashes": Set("signed_on", "2026/12/01"); break;
            case "date before 1900": Set("signed_on", "1899-12-31"); break;
            case "date after 2100": Set("signed_on", "9999-12-31"); break;
            case "amount in words": Set("amount", "12万円"); break;
            case "amount over 10^15": Set("amount", "1,000,000,000,000,001"); break;
            case "newline": values.RemoveAll(v => v.Key == "company"); Set("company", "株式会社\n甲商事"); break;
            case "NUL": Set("plan", "Basic\0"); break;
            case "over max_length": values.RemoveAll(v => v.Key == "company"); Set("company", new string('株', 21)); break;
            case "over 500 characters": Set("amount", new string('1', 501)); break;
            case "value for a signature field": Set("stamp", "青木"); break;
            case "initials over 10 characters": Set("initials", "ABCDEFGHIJK"); break;
            default: throw new ArgumentOutOfRangeException(nameof(mistake), mistake, null);
        }

        var ex = Refused(e, "INVALID_FIELD", () => e.CheckFieldValues(who, Values(values)));

        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(path, ex.Field);
        Assert.Contains(path, ex.English);
        Assert.Contains(path, ex.Japanese);
        Assert.True(ex.English.Length < 200 && ex.Japanese.Length < 200, ex.English); // nothing unbounded is echoed
        if (fileName is not null)
        {
            Assert.Contains($"'{fileName}'", ex.English);
            Assert.Contains($"「{fileName}」", ex.Japanese);
        }
        Assert.All(e.State.Fields, f => Assert.Null(f.FilledAt));
    }

    [Fact]
    public void Left_empty_a_date_is_today_in_Japan_and_initials_come_from_the_name()
    {
        var e = SentWithFields();
        var who = Granted(e, Ko);
        var values = Good();
        values["ref_no"] = "REF-001"; // the read-only value, sent unchanged, is accepted
        values["plan"] = "Premium";
        values["amount"] = "";

        var filled = e.CheckFieldValues(who, Values(values)).ToDictionary(f => f.Field.Name, f => f.Value);

        Assert.Equal(["company", "amount", "signed_on", "agree", "plan", "ref_no", "stamp", "initials"], filled.Keys);
        Assert.Equal("2026-12-02", filled["signed_on"]); // 2026-12-01T16:00Z is 2 December in Japan
        Assert.Equal("青一", filled["initials"]);
        Assert.Equal("true", filled["agree"]);
        Assert.Equal("Premium", filled["plan"]);
        Assert.Equal("REF-001", filled["ref_no"]);
        Assert.Null(filled["amount"]);
        Assert.Null(filled["stamp"]);

        // 乙 fills only their own field; 甲's given initials stand instead of the default.
        Assert.Equal([("b_name", (string?)"乙の担当")],
            e.CheckFieldValues(Granted(e, Otsu), [new("b_name", "乙の担当")]).Select(f => (f.Field.Name, f.Value)));
        values["initials"] = "I.A.";
        Assert.Equal("I.A.", e.CheckFieldValues(who, Values(values)).Single(f => f.Field.Name == "initials").Value);
        Assert.All(e.State.Fields, f => Assert.Null(f.FilledAt)); // checking records nothing
    }

    [Fact]
    public void Initials_are_the_first_letter_of_each_part_of_the_name()
    {
        Assert.Equal("山太", FieldRules.Initials("山田 太郎"));
        Assert.Equal("山太", FieldRules.Initials("山田\u3000太郎"));
        Assert.Equal("TY", FieldRules.Initials("taro yamada"));
        Assert.Equal("-", FieldRules.Initials("   "));
        // A letter outside the BMP (𠮷, a surrogate pair) is kept whole, never cut in half.
        Assert.Equal("𠮷太", FieldRules.Initials("𠮷野 太郎"));
        Assert.Equal("ABCDEFGHIJ", FieldRules.Initials("a b c d e f g h i j k l"));
    }

    [Fact]
    public void The_signature_request_draws_the_signers_values_of_that_document_in_their_formats_and_puts_the_stamp_where_the_sender_placed_it()
    {
        var e = SentWithFields();
        var who = Granted(e, Ko);
        var values = Good();
        values["signed_on"] = "2027-01-05";
        var filled = e.CheckFieldValues(who, Values(values));

        var contract = e.SignatureRequestFor(who, e.Now(), Contract(e), filled);
        var appendix = e.SignatureRequestFor(who, e.Now(), Appendix(e), filled);

        Assert.Equal(new PagePlacement(1, 300, 600, 170, 54), contract.StampPlacement);
        Assert.Null(appendix.StampPlacement); // no stamp field there: the stamp goes to the signer's slot
        Assert.Equal(["company", "amount", "signed_on", "plan", "ref_no", "initials"], contract.Fields.Select(f => f.Name));
        var drawn = contract.Fields.ToDictionary(f => f.Name);
        Assert.Equal("2027年1月5日", drawn["signed_on"].Text);
        Assert.Equal("株式会社甲商事", drawn["company"].Text);
        Assert.Equal("青一", drawn["initials"].Text);
        Assert.Equal(0, drawn["initials"].Placement.Page);
        Assert.Equal(new PagePlacement(1, 72, 700, 250, 20), drawn["company"].Placement);
        var agree = Assert.Single(appendix.Fields);
        Assert.Equal(("agree", (bool?)true, (string?)null), (agree.Name, agree.Checked, agree.Text));
        Assert.Equal("Signature1", contract.FieldName);
    }

    // ---------------------------------------------------------------- signing, reassigning, completing

    [Fact]
    public void A_signature_records_the_values_and_when_they_were_filled_in_the_state_the_view_and_the_audit_entry()
    {
        var e = SentWithFields();
        _clock.Advance(TimeSpan.FromMinutes(5));
        var values = Good();
        values["amount"] = "¥1,234,567";

        var change = Sign(e, Ko, values);

        var signed = Assert.Single(change.Events, a => a.Action == "signed");
        using (var detail = JsonDocument.Parse(signed.Detail))
        {
            var recorded = detail.RootElement.GetProperty("fields");
            Assert.Equal("株式会社甲商事", recorded.GetProperty("company").GetString());
            Assert.Equal("¥1,234,567", recorded.GetProperty("amount").GetString());
            Assert.Equal("2026-12-02", recorded.GetProperty("signed_on").GetString());
            Assert.Equal("true", recorded.GetProperty("agree").GetString());
            Assert.Equal(JsonValueKind.Null, recorded.GetProperty("plan").ValueKind);
            Assert.False(recorded.TryGetProperty("stamp", out _)); // a signature field has no value
            Assert.False(recorded.TryGetProperty("b_name", out _)); // 乙's
        }
        var at = change.At;
        Assert.Equal(Start + TimeSpan.FromMinutes(5), at);
        var view = e.View().Fields.ToDictionary(f => f.Name);
        Assert.Equal(("株式会社甲商事", (DateTimeOffset?)at), (view["company"].Value, view["company"].FilledAt));
        Assert.Equal(("2026-12-02", (DateTimeOffset?)at), (view["signed_on"].Value, view["signed_on"].FilledAt));
        Assert.Equal("青一", view["initials"].Value);
        Assert.Equal(at, view["stamp"].FilledAt);
        Assert.Null(view["b_name"].Value);
        Assert.Null(view["b_name"].FilledAt);

        // The values survive the stored form.
        var restored = Envelope.Restore(e.Serialize(), _options, _clock);
        Assert.Equal(e.View().Fields.Select(f => (f.Name, f.Value, f.FilledAt)), restored.View().Fields.Select(f => (f.Name, f.Value, f.FilledAt)));

        // 乙 cannot sign without their required value; then signs with it and the envelope completes.
        var missing = Refused(e, "INVALID_FIELD", () => e.CheckFieldValues(Granted(e, Otsu), []));
        Assert.Equal("field_values[b_name]", missing.Field);
        Sign(e, Otsu, new() { ["b_name"] = "馬場" });
        Assert.Equal(EnvelopeStatus.Completed, e.Status);
        Assert.Equal("株式会社甲商事", Placed(e, "company").Value); // 乙's signature leaves 甲's values alone
        Assert.Equal(at, Placed(e, "company").FilledAt);
    }

    [Fact]
    public void Reassigning_hands_the_parts_fields_to_the_new_signer()
    {
        var e = SentWithFields();
        var ko = Recipient(e, Ko).RecipientId;

        var (change, next) = e.Reassign(Granted(e, Ko), "Endo Jiro", "endo@example.jp", "担当交代");
        Commit(e, change);

        Assert.Equal(8, e.State.Fields.Count(f => f.RecipientId == next));
        Assert.DoesNotContain(e.State.Fields, f => f.RecipientId == ko);
        Assert.Equal("甲", e.View().Recipients.Single(r => r.RecipientId == next).Label);
        var filled = e.CheckFieldValues(Granted(e, "Endo Jiro"), Values(Good()));
        Assert.Equal("EJ", filled.Single(f => f.Field.Name == "initials").Value); // the new signer's initials

        Sign(e, "Endo Jiro", Good());
        Assert.Equal("EJ", Placed(e, "initials").Value);
        Assert.Equal("Endo Jiro", Assert.Single(e.State.Recipients, r => r.Status == RecipientStatus.Signed).Name);
    }

    [Fact]
    public void Mapped_fields_fill_the_archives_amount_transaction_date_and_counterparty_and_the_certificate_lists_every_value()
    {
        var e = SentWithFields();
        Assert.Equal(e.State.Retention, FieldRules.Mapped(e.State.Retention, e.State.Fields)); // nothing signed yet: the sender's metadata
        var values = Good();
        values["amount"] = "¥1,234,567";
        values["signed_on"] = "2026-11-20";
        Sign(e, Ko, values);
        Sign(e, Otsu, new() { ["b_name"] = "馬場" });
        Assert.Equal(EnvelopeStatus.Completed, e.Status);

        var archive = EnvelopeCompletion.Archive(e.State);

        Assert.Equal(1_234_567, archive.Metadata.Amount);
        Assert.Equal(new DateOnly(2026, 11, 20), archive.Metadata.TransactionDate);
        Assert.Equal("株式会社甲商事", archive.Metadata.Counterparty);
        Assert.Equal(("contract", "JPY"), (archive.Metadata.DocumentType, archive.Metadata.Currency));
        Assert.Equal(["営業"], archive.Metadata.Tags);
        Assert.Equal([Ko, Otsu], archive.Metadata.Parties);

        var certificate = EnvelopeCompletion.Certificate(e.State, []);
        var lines = certificate.Fields.ToDictionary(l => l.Label, l => l.Value);
        Assert.Equal(["会社名 (contract.pdf)", "amount (contract.pdf)", "signed_on (contract.pdf)", "agree (appendix.pdf)", "plan (contract.pdf)",
            "ref_no (contract.pdf)", "initials (contract.pdf)", "b_name (appendix.pdf)"], certificate.Fields.Select(l => l.Label));
        Assert.Equal($"株式会社甲商事 — {Ko}, 2026-12-02 01:00:00 JST", lines["会社名 (contract.pdf)"]);
        Assert.StartsWith("■ チェックあり / checked — ", lines["agree (appendix.pdf)"]);
        Assert.StartsWith("- — ", lines["plan (contract.pdf)"]);
        Assert.StartsWith("2026-11-20 — ", lines["signed_on (contract.pdf)"]);
        Assert.StartsWith($"馬場 — {Otsu}", lines["b_name (appendix.pdf)"]);
    }

    [Fact]
    public void Unmapped_or_empty_fields_leave_the_senders_metadata()
    {
        var e = SentWithFields();
        _clock.Advance(TimeSpan.FromDays(1)); // signed the day after it was sent
        var values = Good();
        values["amount"] = ""; // not required: left empty, the sender's amount stands
        Sign(e, Ko, values);
        Sign(e, Otsu, new() { ["b_name"] = "馬場" });

        var archive = EnvelopeCompletion.Archive(e.State);

        Assert.Equal(100_000, archive.Metadata.Amount);
        Assert.Equal(new DateOnly(2026, 12, 3), archive.Metadata.TransactionDate); // the date field defaulted to the signing day
        Assert.Equal("株式会社甲商事", archive.Metadata.Counterparty);
    }
}
