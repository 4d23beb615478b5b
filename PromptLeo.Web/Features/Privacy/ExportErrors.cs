namespace PromptLeo.Web.Features.Privacy;

/// <summary>Why an export failed, as stored on the export; the Privacy Center shows each in the user's language.</summary>
public static class ExportErrors
{
    public const string Failed = "The export failed. Please try again.";
    public const string StorageFull = "The export could not be saved because the server is out of storage space. Please try again later.";
}
