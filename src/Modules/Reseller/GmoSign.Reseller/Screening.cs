using GmoSign.Grains;

namespace GmoSign.Reseller;

/// <summary>Automatic screening of an application for the Art. 2-3 reasons the platform can see.</summary>
internal static class Screening
{
    public const string MinorWithoutGuardianConsent = "MINOR_WITHOUT_GUARDIAN_CONSENT";
    public const string IdentityNotVerified = "IDENTITY_NOT_VERIFIED";
    public const string PriorDelinquency = "PRIOR_DELINQUENCY";
    public const string PriorTerminationForCause = "PRIOR_TERMINATION_FOR_CAUSE";
    public const string AntiSocialDeclarationMissing = "ANTI_SOCIAL_DECLARATION_MISSING";

    /// <summary>Japan's age of majority (民法4条, since April 2022).</summary>
    public const int AgeOfMajority = 18;

    public static string[] Findings(ApplicationData data, DateOnly today, IReadOnlySet<string> organizationRecords)
    {
        var findings = new List<string>();
        if (data.Customer.Kind == CustomerKind.Consumer && data.DateOfBirth is { } born
            && AgeOn(born, today) < AgeOfMajority && !data.GuardianConsent)
        {
            findings.Add(MinorWithoutGuardianConsent);
        }
        if (data.Identity is null)
        {
            findings.Add(IdentityNotVerified);
        }
        if (organizationRecords.Contains("delinquency"))
        {
            findings.Add(PriorDelinquency);
        }
        if (organizationRecords.Contains("terminated_for_cause"))
        {
            findings.Add(PriorTerminationForCause);
        }
        if (!data.AntiSocialForcesDeclared)
        {
            findings.Add(AntiSocialDeclarationMissing);
        }
        return findings.ToArray();
    }

    public static int AgeOn(DateOnly born, DateOnly day)
    {
        var age = day.Year - born.Year;
        return born.AddYears(age) > day ? age - 1 : age;
    }

    /// <summary>A required 法人番号 field, checked by its check digit (INVALID_ARGUMENT naming the field).</summary>
    public static string RequireCorporateNumber(string? value, string field)
    {
        var number = Platform.Validation.Check.Required(value, field, 13);
        return IsValidCorporateNumber(number)
            ? number
            : throw Errors.DomainException.Invalid(field, "is not a valid 13-digit corporate number (check digit)",
                "13桁の法人番号として正しくありません（チェックデジット）");
    }

    /// <summary>法人番号: 13 digits whose first digit is the check digit over the other twelve.</summary>
    public static bool IsValidCorporateNumber(string value)
    {
        if (value.Length != 13 || !value.All(char.IsAsciiDigit))
        {
            return false;
        }
        var sum = 0;
        for (var n = 1; n <= 12; n++)
        {
            var digit = value[13 - n] - '0';
            sum += digit * (n % 2 == 1 ? 1 : 2);
        }
        return value[0] - '0' == 9 - (sum % 9);
    }
}
