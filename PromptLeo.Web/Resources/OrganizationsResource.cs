namespace PromptLeo.Web.Resources;

/// <summary>Marker for the organization pages' and mails' strings. Keys are the English text.</summary>
public sealed class OrganizationsResource;
