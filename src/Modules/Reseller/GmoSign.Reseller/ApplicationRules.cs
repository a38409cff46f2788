using System.Text.RegularExpressions;
using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Platform.Validation;
using V1 = GmoSign.Reseller.V1;

namespace GmoSign.Reseller;

/// <summary>Validation of submitted applications, field by field; nothing is written before all pass.</summary>
internal static partial class ApplicationRules
{
    [GeneratedRegex(@"^[0-9+\- ]{1,20}$")]
    private static partial Regex PhonePattern();

    public static async Task<ApplicationData> ValidateAsync(V1.SubmitApplicationRequest request, Catalog catalog, TermsStore terms, DateOnly today, CancellationToken cancellationToken)
    {
        var customer = Customer(request.Customer, "customer");

        var planCode = Check.Required(request.Plan, "plan", 40);
        var plan = await catalog.FindPlanAsync(planCode, cancellationToken)
            ?? throw DomainException.Invalid("plan", $"'{planCode}' is not a plan of the catalogue", $"「{planCode}」はプランとして存在しません");

        if (request.TermMonths is < 1 or > 60)
        {
            throw DomainException.Invalid("term_months", "must be between 1 and 60", "1〜60の範囲で指定してください");
        }

        var options = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < request.Options.Count; i++)
        {
            var (code, quantity) = await OptionAsync(request.Options[i], $"options[{i}]", catalog, allowZero: false, cancellationToken);
            if (!options.TryAdd(code, quantity))
            {
                throw DomainException.Invalid($"options[{i}].code", "appears more than once", "重複しています");
            }
        }

        IdentityEvidence? identity = null;
        if (request.IdentityVerification is { } evidence)
        {
            var verifiedOn = Dates.Required(evidence.VerifiedOn, "identity_verification.verified_on");
            if (verifiedOn > today)
            {
                throw DomainException.Invalid("identity_verification.verified_on", "is in the future", "未来の日付は指定できません");
            }
            identity = new IdentityEvidence(
                Check.Required(evidence.Method, "identity_verification.method", 50),
                Check.Required(evidence.Reference, "identity_verification.reference", 200),
                verifiedOn);
        }

        DateOnly? born = null;
        if (customer.Kind == CustomerKind.Consumer)
        {
            born = Dates.Required(request.DateOfBirth, "date_of_birth");
            if (born > today)
            {
                throw DomainException.Invalid("date_of_birth", "is in the future", "未来の日付は指定できません");
            }
        }
        else if (Dates.Optional(request.DateOfBirth, "date_of_birth") is not null)
        {
            throw DomainException.Invalid("date_of_birth", "applies to consumers only", "個人（消費者）の場合のみ指定できます");
        }

        var termsVersion = Check.Required(request.AcceptedTermsVersion, "accepted_terms_version", 40);
        if (!await terms.ExistsAsync(termsVersion, cancellationToken))
        {
            throw DomainException.Invalid("accepted_terms_version", $"'{termsVersion}' is not a published terms version",
                $"「{termsVersion}」は公開されている規約バージョンではありません");
        }

        return new ApplicationData(customer, plan.Code, request.TermMonths, options, identity,
            request.AntiSocialForcesDeclared, born, request.GuardianConsent, termsVersion);
    }

    public static CustomerProfile Customer(V1.CustomerProfile? c, string prefix)
    {
        if (c is null)
        {
            throw DomainException.Required(prefix);
        }
        var kind = c.Kind switch
        {
            V1.CustomerKind.Organization => CustomerKind.Organization,
            V1.CustomerKind.Consumer => CustomerKind.Consumer,
            _ => throw DomainException.Invalid($"{prefix}.kind", "must be ORGANIZATION or CONSUMER", "法人または個人を指定してください"),
        };
        var name = Check.Required(c.Name, $"{prefix}.name", 200);
        string? corporateNumber = null;
        string? representative = null;
        if (kind == CustomerKind.Organization)
        {
            corporateNumber = Screening.RequireCorporateNumber(c.CorporateNumber, $"{prefix}.corporate_number");
            representative = Check.Required(c.RepresentativeName, $"{prefix}.representative_name", 100);
        }
        else
        {
            if (!string.IsNullOrWhiteSpace(c.CorporateNumber))
            {
                throw DomainException.Invalid($"{prefix}.corporate_number", "applies to organizations only", "法人の場合のみ指定できます");
            }
            representative = Check.Optional(c.RepresentativeName, $"{prefix}.representative_name", 100);
        }
        var email = Check.Email(c.ContactEmail, $"{prefix}.contact_email").ToLowerInvariant();
        var address = Check.Required(c.Address, $"{prefix}.address", 300);
        var phone = Check.Optional(c.Phone, $"{prefix}.phone", 20);
        if (phone is not null && !PhonePattern().IsMatch(phone))
        {
            throw DomainException.Invalid($"{prefix}.phone", "may contain only digits, spaces, + and -", "数字・空白・+・- のみ使用できます");
        }
        return new CustomerProfile(name, kind, corporateNumber, representative, email, address, phone);
    }

    public static async Task<(string Code, int Quantity)> OptionAsync(V1.OptionGrant? grant, string prefix, Catalog catalog, bool allowZero, CancellationToken cancellationToken)
    {
        if (grant is null)
        {
            throw DomainException.Required(prefix);
        }
        var code = Check.Required(grant.Code, $"{prefix}.code", 40);
        var definition = await catalog.FindOptionAsync(code, cancellationToken)
            ?? throw DomainException.Invalid($"{prefix}.code", $"'{code}' is not an option of the catalogue", $"「{code}」はオプションとして存在しません");
        var min = allowZero ? 0 : 1;
        if (grant.Quantity < min || grant.Quantity > definition.MaxQuantity)
        {
            throw DomainException.Invalid($"{prefix}.quantity", $"must be between {min} and {definition.MaxQuantity}",
                $"{min}〜{definition.MaxQuantity}の範囲で指定してください");
        }
        return (code, grant.Quantity);
    }
}
