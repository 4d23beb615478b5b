namespace PromptLeo.Web.Features.Accounts;

/// <summary>
/// The <c>Admin</c> section: the first administrator, created on first start when an e-mail and a password are set.
/// The password comes from the environment (<c>Admin__Password</c>) or a file, never from the command line.
/// </summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    public string? Email { get; set; }
    public string? Password { get; set; }

    /// <summary>A file holding the password (e.g. a systemd credential); used when <see cref="Password"/> is empty.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The password from <see cref="Password"/> or <see cref="PasswordFile"/> (trailing line break removed), or null.</summary>
    public string? ResolvePassword()
    {
        if (!string.IsNullOrEmpty(Password) || string.IsNullOrWhiteSpace(PasswordFile))
        {
            return Password;
        }
        try
        {
            return File.ReadAllText(PasswordFile).TrimEnd('\r', '\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Admin:PasswordFile ({PasswordFile}) cannot be read: {ex.Message}", ex);
        }
    }
}

public static class Roles
{
    public const string Admin = "Admin";
    public const string User = "User";
    public static readonly string[] All = [Admin, User];
}
