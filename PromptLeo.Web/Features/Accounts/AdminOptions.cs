namespace PromptLeo.Web.Features.Accounts;

/// <summary>The <c>Admin</c> section: the first administrator, created on first start when both are set.</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    public string? Email { get; set; }
    public string? Password { get; set; }
}

public static class Roles
{
    public const string Admin = "Admin";
    public const string User = "User";
    public static readonly string[] All = [Admin, User];
}
