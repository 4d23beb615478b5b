using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Email;

/// <summary>The <c>Email</c> section. Without <see cref="SmtpHost"/>, mails go to the pickup folder as .eml files.</summary>
public sealed class EmailOptions
{
    public const string SectionName = "Email";

    public string? SmtpHost { get; set; }

    [Range(1, 65535)]
    public int SmtpPort { get; set; } = 587;

    /// <summary>Use STARTTLS on the submission port (587). Set false only for a local relay.</summary>
    public bool UseStartTls { get; set; } = true;

    public string? Username { get; set; }
    public string? Password { get; set; }

    [Required, EmailAddress]
    public string FromAddress { get; set; } = "no-reply@promptleo.local";

    public string FromName { get; set; } = "PromptLeo";

    /// <summary>Pickup folder for .eml files; empty means <c>&lt;data&gt;/mail</c>.</summary>
    public string? PickupDirectory { get; set; }
}
