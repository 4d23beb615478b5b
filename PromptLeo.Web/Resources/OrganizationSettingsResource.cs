namespace PromptLeo.Web.Resources;

/// <summary>Marker for the organization's contract settings page. Keys are the English text.</summary>
public sealed class OrganizationSettingsResource;
