// Log Analytics workspace + workspace-based Application Insights, both with local authentication
// disabled: the workspace accepts no shared-key ingestion or queries, and App Insights no
// instrumentation-key telemetry. Only Entra-authenticated telemetry is accepted, which the app sends
// with its user-assigned identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING, Monitoring Metrics
// Publisher role in rbac.bicep).

@description('Log Analytics workspace name.')
param workspaceName string

@description('Application Insights component name.')
param appInsightsName string

@description('Azure region.')
param location string

@description('Tags applied to both resources.')
param tags object = {}

@description('Log retention in days.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // ARM spells it `DisableLocalAuth` in this API version (property names are case-insensitive).
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
// The connection string identifies the component; with local auth disabled it is useless without
// an Entra token, and it is not a secret by Microsoft's guidance.
output connectionString string = appInsights.properties.ConnectionString
output workspaceId string = workspace.id
