// Flex Consumption plan (FC1, Linux) and the function app. The runtime comes from
// `functionAppConfig.runtime` (node 22), so none of the legacy settings (FUNCTIONS_WORKER_RUNTIME,
// WEBSITE_RUN_FROM_PACKAGE, ...) is set. The deployment package container is read with the
// user-assigned identity; the app settings object is built in main.bicep and applied here as the
// site's `appsettings` config.

@description('Function app name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region (must offer Flex Consumption).')
param location string

@description('Tags applied to plan and app.')
param tags object = {}

@description('Tags applied to the app only (e.g. azd-service-name).')
param appTags object = {}

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('Blob endpoint of the storage account, e.g. https://<account>.blob.core.windows.net/.')
param blobEndpoint string

@description('Container holding the deployment package.')
param deploymentContainerName string

@description('Memory per instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int

@description('Upper bound of instances the app scales out to (Flex Consumption: 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('App settings (name -> value).')
param appSettings object

@description('Resource id of the Log Analytics workspace receiving the app\'s FunctionAppLogs.')
param workspaceId string

@description('Subnet (delegated to Microsoft.App/environments) the app joins for VNet integration; empty = none.')
param subnetId string = ''

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, appTags)
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    // Flex Consumption VNet integration: outbound traffic goes through this subnet (private endpoints
    // of storage and Key Vault when privateNetworking is on). A site property, not siteConfig.
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    // Flex Consumption rejects most legacy siteConfig properties (ftpsState among them: error 51021
    // in some regions, silently ignored in others), so only the TLS floor is set, as Microsoft's
    // Flex Consumption quickstart does. See docs/deploy.md.
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }
}

// No FTP and no basic-auth (publishing profile) access to the SCM/deployment endpoint: deployments
// authenticate with Entra ID (az, func, azd all do). Microsoft Learn, "Disable basic authentication
// in App Service deployments".
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// The Functions host's own log stream (category FunctionAppLogs) to Log Analytics, beside the
// workspace-based Application Insights data. On Flex Consumption the platform has been reported to
// send every host log line through this setting whatever host.json's log levels say
// (Azure/azure-functions-host#11434); docs/deploy.md "Resource logs" says what that costs.
resource appLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'FunctionAppLogs'
        enabled: true
      }
    ]
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
