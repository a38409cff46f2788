using System.Globalization;
using System.Text.Json;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Signing.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmoSign.Signing;

/// <summary>Configuration section <c>GmoSign:BulkSend</c>.</summary>
public sealed class BulkSendOptions
{
    public const string Section = "GmoSign:BulkSend";

    /// <summary>Data rows a file may hold (GMO Sign's limit).</summary>
    public int MaxRows { get; set; } = 1500;

    /// <summary>Envelopes one host makes and sends per second, all bulk sends together (0: unpaced) — the pace that keeps other tenants' calls fast.</summary>
    public double RowsPerSecond { get; set; } = 10;

    /// <summary>How often the worker looks for rows when the last look found none.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts of a row that keeps failing for a passing reason (database or cluster out of reach) before it is marked failed.</summary>
    public int MaxAttempts { get; set; } = 20;
}

/// <summary>
/// CSV bulk send: the file read (<see cref="BulkSendCsv"/>), its columns matched to the template's roles and merge
/// fields, every row checked as CreateEnvelopeFromTemplate would check it, the send stored (<see cref="BulkSendStore"/>)
/// for <see cref="BulkSendWorker"/> to carry out.
/// </summary>
internal sealed class BulkSendGrpcService(TemplateStore templates, TemplateEnvelopes envelopes, BulkSendStore store, IOptions<BulkSendOptions> options)
    : BulkSendService.BulkSendServiceBase
{
    private readonly BulkSendOptions _options = options.Value;

    /// <summary>Problems kept per row (a row of 250 bad cells would otherwise fill the response).</summary>
    public const int MaxProblemsPerRow = 10;

    public override async Task<StartBulkSendResponse> StartBulkSend(StartBulkSendRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var ct = context.CancellationToken;
        var requestId = Check.RequestId(request.RequestId);
        if (await store.FindByRequestAsync(tenantId, requestId, ct) is { } earlier)
        {
            return await ResponseAsync(earlier, ct);
        }
        var fileName = Check.Optional(request.FileName, "file_name", 200) ?? "bulk.csv";
        var template = await templates.RequireAsync(tenantId, request.TemplateId, request.Version, ct);
        if (template.Archived)
        {
            throw TemplateStore.Archived();
        }
        if (request.Csv.Length == 0)
        {
            throw DomainException.Required("csv");
        }
        if (request.Csv.Length > BulkSendCsv.MaxBytes)
        {
            throw DomainException.Invalid("csv", $"must be at most {BulkSendCsv.MaxBytes / 1024 / 1024} MiB", $"{BulkSendCsv.MaxBytes / 1024 / 1024} MiB 以下にしてください");
        }
        var (text, encoding) = BulkSendCsv.Decode(request.Csv.ToByteArray());
        var (headers, rows) = BulkSendCsv.Parse(text, _options.MaxRows);
        if (rows.Count == 0)
        {
            throw DomainException.Invalid("csv", "has no data rows", "データ行がありません");
        }
        var definition = TemplateEnvelopes.Definition(template);
        var columns = Columns(headers, definition);
        var checkedRows = new List<CheckedRow>(rows.Count);
        foreach (var row in rows)
        {
            checkedRows.Add(await CheckRowAsync(caller, template, definition, columns, row, ct));
        }
        var invalid = checkedRows.Count(r => r.Input is null);
        var rejected = invalid == checkedRows.Count || (invalid > 0 && !request.SendValidRows);
        var record = await store.CreateAsync(caller, template, fileName, encoding, rejected, checkedRows, requestId, ct);
        return await ResponseAsync(record, ct);
    }

    public override async Task<GetBulkSendResponse> GetBulkSend(GetBulkSendRequest request, ServerCallContext context)
    {
        var record = await store.GetAsync(context.GetCaller().RequireTenant(), Check.Id(request.BulkSendId, "bulk_send_id"), context.CancellationToken)
            ?? throw BulkSendStore.NotFound();
        var size = Paging.Size(request.PageSize, fallback: 500, max: _options.MaxRows);
        var after = 0;
        if (!string.IsNullOrEmpty(request.PageToken) && (!int.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out after) || after < 1))
        {
            throw DomainException.Invalid("page_token", "is not a token of this list", "このリストのトークンではありません");
        }
        var rows = await store.RowsAsync(record.BulkSendId, after, size + 1, request.OnlyProblems, context.CancellationToken);
        var response = new GetBulkSendResponse { BulkSend = ToProto(record) };
        response.Rows.AddRange(rows.Take(size).Select(ToProto));
        if (rows.Count > size)
        {
            response.NextPageToken = rows[size - 1].RowNumber.ToString(CultureInfo.InvariantCulture);
        }
        return response;
    }

    public override async Task<ListBulkSendsResponse> ListBulkSends(ListBulkSendsRequest request, ServerCallContext context)
    {
        var size = Paging.Size(request.PageSize, fallback: 50, max: 100);
        var rows = await store.ListAsync(context.GetCaller().RequireTenant(), size + 1, Paging.Parse(request.PageToken), context.CancellationToken);
        var response = new ListBulkSendsResponse();
        response.BulkSends.AddRange(rows.Take(size).Select(ToProto));
        if (rows.Count > size)
        {
            response.NextPageToken = Paging.Token(rows[size - 1].CreatedAt, rows[size - 1].BulkSendId);
        }
        return response;
    }

    public override async Task<CancelBulkSendResponse> CancelBulkSend(CancelBulkSendRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var id = Check.Id(request.BulkSendId, "bulk_send_id");
        var record = await store.GetAsync(tenantId, id, context.CancellationToken) ?? throw BulkSendStore.NotFound();
        if (!EnvelopeRequests.ManagesOrMade(caller, record.CreatedByUser))
        {
            throw DomainException.Denied("Only who started the bulk send or a tenant administrator can cancel it.",
                "一括送信を中止できるのは開始した人またはテナント管理者のみです。");
        }
        await store.CancelAsync(tenantId, id, context.CancellationToken);
        return new CancelBulkSendResponse { BulkSend = ToProto((await store.GetAsync(tenantId, id, context.CancellationToken))!) };
    }

    // ------------------------------------------------------------------ the file

    private enum ColumnKind { Name, Email, AccessCode, UserId, Merge, Title }

    private sealed record Column(int Index, string Header, ColumnKind Kind, string Key);

    private static readonly Dictionary<string, ColumnKind> PersonColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["name"] = ColumnKind.Name, ["氏名"] = ColumnKind.Name, ["名前"] = ColumnKind.Name,
        ["email"] = ColumnKind.Email, ["メールアドレス"] = ColumnKind.Email, ["メール"] = ColumnKind.Email,
        ["access_code"] = ColumnKind.AccessCode, ["アクセスコード"] = ColumnKind.AccessCode,
        ["user_id"] = ColumnKind.UserId, ["ユーザーID"] = ColumnKind.UserId,
    };

    /// <summary>The header row matched to the template: a refusal lists every column it cannot place and every one it misses.</summary>
    private static List<Column> Columns(IReadOnlyList<string> headers, TemplateDefinition definition)
    {
        var columns = new List<Column>();
        var problems = new List<string>();
        var problemsJa = new List<string>();
        foreach (var (header, index) in headers.Select((h, i) => (h, i)))
        {
            Column? column = null;
            if (header is "title" or "件名")
            {
                column = new Column(index, header, ColumnKind.Title, "");
            }
            else if (definition.MergeFields.Any(m => m.Name == header))
            {
                column = new Column(index, header, ColumnKind.Merge, header);
            }
            else if (header.LastIndexOf(':') is var colon and > 0 && definition.Roles.Any(r => r.Label == header[..colon])
                     && PersonColumns.TryGetValue(header[(colon + 1)..], out var kind))
            {
                column = new Column(index, header, kind, header[..colon]);
            }
            if (column is null)
            {
                problems.Add($"column {index + 1} '{TemplateEnvelopes.Short(header)}' is neither a role's column (<label>:name, :email, :access_code, :user_id), a merge field nor title");
                problemsJa.Add($"{index + 1}列目「{TemplateEnvelopes.Short(header)}」は役割の列（<ラベル>:氏名・:メールアドレス・:アクセスコード・:ユーザーID）、差し込み項目、件名のいずれでもありません");
            }
            else if (columns.Any(c => c.Kind == column.Kind && c.Key == column.Key))
            {
                problems.Add($"column {index + 1} '{TemplateEnvelopes.Short(header)}' repeats an earlier column");
                problemsJa.Add($"{index + 1}列目「{TemplateEnvelopes.Short(header)}」は前の列と重複しています");
            }
            else
            {
                columns.Add(column);
            }
        }
        foreach (var role in definition.Roles.Where(r => r.DefaultEmail.Length == 0))
        {
            foreach (var (kind, english, japanese) in new[] { (ColumnKind.Name, "name", "氏名"), (ColumnKind.Email, "email", "メールアドレス") })
            {
                if (!columns.Any(c => c.Kind == kind && c.Key == role.Label))
                {
                    problems.Add($"the column '{role.Label}:{english}' is missing");
                    problemsJa.Add($"列「{role.Label}:{japanese}」がありません");
                }
            }
        }
        foreach (var merge in definition.MergeFields.Where(m => m.Required && m.DefaultValue.Length == 0 && columns.All(c => c.Key != m.Name)))
        {
            problems.Add($"the column '{merge.Name}' (a required merge field) is missing");
            problemsJa.Add($"必須の差し込み項目の列「{merge.Name}」がありません");
        }
        if (problems.Count > 0)
        {
            // The first ten: a refusal must fit in the response trailers.
            var more = problems.Count > 10 ? $"; and {problems.Count - 10} more" : "";
            var moreJa = problems.Count > 10 ? $"、ほか{problems.Count - 10}件" : "";
            throw new DomainException(ErrorKind.InvalidArgument, "INVALID_FIELD", "csv: row 1 (header): " + string.Join("; ", problems.Take(10)) + more,
                "csv: 1行目（見出し）: " + string.Join("、", problemsJa.Take(10)) + moreJa, "csv");
        }
        return columns;
    }

    /// <summary>
    /// One row: its cells as people and merge values, each cell's own checks (every problem listed with its column),
    /// then the envelope the row would make checked as CreateEnvelopeFromTemplate checks it.
    /// </summary>
    private async Task<CheckedRow> CheckRowAsync(Caller caller, TemplateRecord template, TemplateDefinition definition, List<Column> columns, CsvRow row,
        CancellationToken ct)
    {
        var problems = new List<BulkRowProblem>();
        if (row.Cells.Count > columns.Count)
        {
            problems.Add(new BulkRowProblem("", $"列が多すぎます（{row.Cells.Count}列、見出しは{columns.Count}列）", $"too many cells ({row.Cells.Count}; the header has {columns.Count})"));
        }
        string Cell(Column c) => c.Index < row.Cells.Count ? row.Cells[c.Index].Trim() : "";
        var people = new Dictionary<string, BulkPerson>(StringComparer.Ordinal);
        var merge = new Dictionary<string, string>(StringComparer.Ordinal);
        var title = "";
        foreach (var column in columns)
        {
            var value = Cell(column);
            try
            {
                if (value.Any(char.IsControl))
                {
                    throw DomainException.Invalid(column.Header, "must be one line without control characters", "改行や制御文字は使えません");
                }
                switch (column.Kind)
                {
                    case ColumnKind.Title:
                        title = Check.Optional(value, column.Header, 200) ?? "";
                        continue;
                    case ColumnKind.Merge:
                        if (value.Length > 0)
                        {
                            merge[column.Key] = TemplateEnvelopes.MergeValue(definition.MergeFields.First(m => m.Name == column.Key), value, column.Header);
                        }
                        continue;
                }
                var person = people.TryGetValue(column.Key, out var p) ? p : new BulkPerson(column.Key, "", "", "", "");
                people[column.Key] = column.Kind switch
                {
                    ColumnKind.Name => person with { Name = Check.Optional(value, column.Header, 100) ?? "" },
                    ColumnKind.Email => person with { Email = value.Length == 0 ? "" : Check.Email(value, column.Header) },
                    ColumnKind.AccessCode => person with { AccessCode = value },
                    _ => person with { UserId = value },
                };
            }
            catch (DomainException ex)
            {
                problems.Add(new BulkRowProblem(column.Header, Strip(ex.Japanese, column.Header), Strip(ex.English, column.Header)));
            }
        }
        // A role left empty in this row falls to the role's default person (CheckAsync refuses it when there is none).
        var assigned = people.Values.Where(p => p.Name.Length > 0 || p.Email.Length > 0 || p.AccessCode.Length > 0 || p.UserId.Length > 0).ToList();
        if (problems.Count == 0)
        {
            try
            {
                await envelopes.CheckAsync(caller, template, assigned.Select(ToAssignment).ToList(), merge, title, ct);
            }
            catch (DomainException ex)
            {
                var column = ColumnOf(ex.Field, columns);
                problems.Add(new BulkRowProblem(column, Strip(ex.Japanese, ex.Field), Strip(ex.English, ex.Field)));
            }
        }
        return problems.Count > 0
            ? new CheckedRow(row.Row, null, problems.Take(MaxProblemsPerRow).ToList())
            : new CheckedRow(row.Row, new BulkRowInput(assigned, merge, title), []);
    }

    public static RoleAssignment ToAssignment(BulkPerson p) => new()
    {
        RoleLabel = p.RoleLabel, Name = p.Name, Email = p.Email, UserId = p.UserId, AccessCode = p.AccessCode,
    };

    /// <summary>The CSV column a refusal's field names: <c>merge_values[会社名]</c> → 会社名, <c>recipients[乙].email</c> → the 乙 email column.</summary>
    private static string ColumnOf(string? field, List<Column> columns)
    {
        if (field is null)
        {
            return "";
        }
        if (field.StartsWith("merge_values[", StringComparison.Ordinal) && field.EndsWith(']'))
        {
            return field["merge_values[".Length..^1];
        }
        if (field == "title")
        {
            return columns.FirstOrDefault(c => c.Kind == ColumnKind.Title)?.Header ?? "title";
        }
        if (field.StartsWith("recipients[", StringComparison.Ordinal) && field.IndexOf(']') is var close and > 0)
        {
            var label = field["recipients[".Length..close];
            var kind = field[(close + 1)..] switch
            {
                ".email" => ColumnKind.Email,
                ".name" => ColumnKind.Name,
                ".access_code" => ColumnKind.AccessCode,
                ".user_id" => ColumnKind.UserId,
                _ => (ColumnKind?)null,
            };
            return kind is { } k ? columns.FirstOrDefault(c => c.Kind == k && c.Key == label)?.Header ?? $"{label}:{k.ToString().ToLowerInvariant()}" : $"{label}";
        }
        return "";
    }

    /// <summary>A refusal's message without its leading "field: ", since the row error names the column itself.</summary>
    private static string Strip(string message, string? field) =>
        field is not null && message.StartsWith(field + ": ", StringComparison.Ordinal) ? message[(field.Length + 2)..] : message;

    private async Task<StartBulkSendResponse> ResponseAsync(BulkSendRecord record, CancellationToken ct)
    {
        var response = new StartBulkSendResponse { BulkSend = ToProto(record) };
        response.InvalidRows.AddRange((await store.RowsAsync(record.BulkSendId, 0, _options.MaxRows, onlyProblems: true, ct))
            .Where(r => r.Status == "invalid").Select(ToProto));
        return response;
    }

    private static V1.BulkSend ToProto(BulkSendRecord r) => new()
    {
        BulkSendId = r.BulkSendId.ToString(),
        TemplateId = r.TemplateId.ToString(),
        TemplateVersion = r.TemplateVersion,
        FileName = r.FileName,
        Status = r.Status switch
        {
            "rejected" => BulkSendStatus.Rejected,
            "running" => BulkSendStatus.Running,
            "completed" => BulkSendStatus.Completed,
            "cancelled" => BulkSendStatus.Cancelled,
            _ => BulkSendStatus.Unspecified,
        },
        TotalRows = r.TotalRows,
        InvalidRows = r.InvalidRows,
        PendingRows = r.PendingRows,
        Created = r.CreatedRows,
        Sent = r.SentRows,
        Failed = r.FailedRows,
        Cancelled = r.CancelledRows,
        CreatedAt = r.CreatedAt.ToTimestamp(),
        FinishedAt = r.FinishedAt.ToTimestamp(),
        CreatedBy = r.CreatedBy,
        Encoding = r.Encoding,
    };

    private static BulkSendRow ToProto(BulkRowRecord r)
    {
        var row = new BulkSendRow
        {
            Row = r.RowNumber,
            EnvelopeId = r.EnvelopeId?.ToString() ?? "",
            Status = r.Status switch
            {
                "invalid" => BulkRowStatus.Invalid,
                "pending" => BulkRowStatus.Pending,
                "created" => BulkRowStatus.Created,
                "sent" => BulkRowStatus.Sent,
                "failed" => BulkRowStatus.Failed,
                "cancelled" => BulkRowStatus.Cancelled,
                _ => BulkRowStatus.Unspecified,
            },
        };
        if (r.Errors is { } errors)
        {
            row.Errors.AddRange(JsonSerializer.Deserialize<List<BulkRowProblem>>(errors, BulkSendStore.Json)!
                .Select(p => new BulkRowError { Column = p.Column, MessageJa = p.Japanese, MessageEn = p.English }));
        }
        return row;
    }
}
