package emulator

// Service is the emulated instance: the domain logic of the Backend API
// over a store. It knows neither HTTP nor SQL. Its operations are split
// the way the SDK's services are, one group a room of its own (a type, its
// files, its store records, its tests), all over one shared core: Users
// serves what client.Users calls, Sessions what client.Sessions calls,
// and so on. Backend hands the groups to the HTTP layer.
//
// Concurrency: requests run side by side (on PostgreSQL, truly so; SQLite
// has one writer). An operation that reads what it then writes does both
// in one store.Tx, reading through the transaction (which locks the rows
// it reads on PostgreSQL), and builds its answer there too when the answer
// shows other records. Transactions lock in one order, so that two never
// wait for each other: organizations (several in ID order), then
// memberships, then the user, then the user's other objects (sessions,
// clients, tokens), as a user's deletion does; lockUserFirst takes the
// user before a token it will accept. Should two deadlock anyway, the
// store runs the one PostgreSQL ended again (store.Store.Tx): a function
// given to Tx must reset what it assigns outside itself.
// TestConcurrentRequestsKeepTheRecordsConsistent checks all this on both
// stores.
type Service struct {
	*core
	ActorTokens    *ActorTokens
	Clients        *Clients
	EmailAddresses *EmailAddresses
	JWKS           *JWKS
	JWTTemplates   *JWTTemplates
	PhoneNumbers   *PhoneNumbers
	Sessions       *Sessions
	SignInTokens   *SignInTokens
	TestingTokens  *TestingTokens
	Users          *Users

	Organizations           *Organizations
	OrganizationMemberships *OrganizationMemberships
	OrganizationInvitations *OrganizationInvitations
	OrganizationDomains     *OrganizationDomains
	OrganizationDomain      *OrganizationDomain
	Invitations             *Invitations
	Webhooks                *Webhooks
	Miscellaneous           *Miscellaneous
	SignUps                 *SignUps
	EmailSMSTemplates       *EmailSMSTemplates
	EmailAndSMSTemplates    *EmailAndSMSTemplates
	Templates               *Templates
	RedirectURLs            *RedirectURLs
	Domains                 *Domains
	ProxyChecks             *ProxyChecks

	OAuthApplications    *OAuthApplications
	SAMLConnections      *SAMLConnections
	AllowlistBlocklist   *AllowlistBlocklist
	AllowlistIdentifiers *AllowlistIdentifiers
	BlocklistIdentifiers *BlocklistIdentifiers
	InstanceSettings     *InstanceSettings
	BetaFeatures         *BetaFeatures
}

// The groups of operations the emulator serves. Each implements the
// generated interface of its group (backend_gen.go): the compiler checks
// below that none lacks an operation.
type (
	// ActorTokens serves the actorTokens group.
	ActorTokens struct{ *core }
	// Clients serves the clients group.
	Clients struct{ *core }
	// EmailAddresses serves the emailAddresses group.
	EmailAddresses struct{ *core }
	// JWKS serves the jwks group.
	JWKS struct{ *core }
	// JWTTemplates serves the jwtTemplates group.
	JWTTemplates struct{ *core }
	// PhoneNumbers serves the phoneNumbers group.
	PhoneNumbers struct{ *core }
	// Sessions serves the sessions group.
	Sessions struct{ *core }
	// SignInTokens serves the signInTokens group.
	SignInTokens struct{ *core }
	// TestingTokens serves the testingTokens group.
	TestingTokens struct{ *core }
	// Users serves the users group.
	Users struct{ *core }
	// Organizations serves the organizations group.
	Organizations struct{ *core }
	// OrganizationMemberships serves the organizationMemberships group.
	OrganizationMemberships struct{ *core }
	// OrganizationInvitations serves the organizationInvitations group.
	OrganizationInvitations struct{ *core }
	// OrganizationDomains serves the organizationDomains group.
	OrganizationDomains struct{ *core }
	// OrganizationDomain serves the organizationDomain group.
	OrganizationDomain struct{ *core }
	// Invitations serves the invitations group.
	Invitations struct{ *core }
	// Webhooks serves the webhooks group (the instance's Svix app).
	Webhooks struct{ *core }
	// Miscellaneous serves the miscellaneous group (the interstitial).
	Miscellaneous struct{ *core }
	// SignUps serves the signUps group.
	SignUps struct{ *core }
	// EmailSMSTemplates serves the emailSMSTemplates group.
	EmailSMSTemplates struct{ *core }
	// EmailAndSMSTemplates serves the emailAndSmsTemplates group.
	EmailAndSMSTemplates struct{ *core }
	// Templates serves the templates group (previews).
	Templates struct{ *core }
	// RedirectURLs serves the redirectUrls and redirectURLs groups.
	RedirectURLs struct{ *core }
	// Domains serves the domains group.
	Domains struct{ *core }
	// ProxyChecks serves the proxyChecks group.
	ProxyChecks struct{ *core }
	// OAuthApplications serves the oauthApplications group.
	OAuthApplications struct{ *core }
	// SAMLConnections serves the samlConnections group.
	SAMLConnections struct{ *core }
	// AllowlistBlocklist serves the allowlistBlocklist group.
	AllowlistBlocklist struct{ *core }
	// AllowlistIdentifiers serves the allowlistIdentifiers group.
	AllowlistIdentifiers struct{ *core }
	// BlocklistIdentifiers serves the blocklistIdentifiers group.
	BlocklistIdentifiers struct{ *core }
	// InstanceSettings serves the instanceSettings group.
	InstanceSettings struct{ *core }
	// BetaFeatures serves the betaFeatures group.
	BetaFeatures struct{ *core }
)

func newService(c *core) *Service {
	return &Service{core: c,
		ActorTokens: &ActorTokens{c}, Clients: &Clients{c}, EmailAddresses: &EmailAddresses{c}, JWKS: &JWKS{c},
		JWTTemplates: &JWTTemplates{c}, PhoneNumbers: &PhoneNumbers{c}, Sessions: &Sessions{c},
		SignInTokens: &SignInTokens{c}, TestingTokens: &TestingTokens{c}, Users: &Users{c},
		Organizations: &Organizations{c}, OrganizationMemberships: &OrganizationMemberships{c},
		OrganizationInvitations: &OrganizationInvitations{c}, OrganizationDomains: &OrganizationDomains{c},
		OrganizationDomain: &OrganizationDomain{c}, Invitations: &Invitations{c},
		Webhooks: &Webhooks{c}, Miscellaneous: &Miscellaneous{c}, SignUps: &SignUps{c},
		EmailSMSTemplates: &EmailSMSTemplates{c}, EmailAndSMSTemplates: &EmailAndSMSTemplates{c}, Templates: &Templates{c},
		RedirectURLs: &RedirectURLs{c}, Domains: &Domains{c}, ProxyChecks: &ProxyChecks{c},
		OAuthApplications: &OAuthApplications{c}, SAMLConnections: &SAMLConnections{c},
		AllowlistBlocklist: &AllowlistBlocklist{c}, AllowlistIdentifiers: &AllowlistIdentifiers{c},
		BlocklistIdentifiers: &BlocklistIdentifiers{c}, InstanceSettings: &InstanceSettings{c}, BetaFeatures: &BetaFeatures{c},
	}
}

// Backend returns the groups s serves, for the HTTP layer; the groups it
// does not serve yet are nil (501 operation_not_supported).
func (s *Service) Backend() *Backend {
	return &Backend{
		ActorTokens: s.ActorTokens, Clients: s.Clients, EmailAddresses: s.EmailAddresses, JWKS: s.JWKS,
		JWTTemplates: s.JWTTemplates, PhoneNumbers: s.PhoneNumbers, Sessions: s.Sessions,
		SignInTokens: s.SignInTokens, TestingTokens: s.TestingTokens, Users: s.Users,
		Organizations: s.Organizations, OrganizationMemberships: s.OrganizationMemberships,
		OrganizationInvitations: s.OrganizationInvitations, OrganizationDomains: s.OrganizationDomains,
		OrganizationDomain: s.OrganizationDomain, Invitations: s.Invitations,
		Webhooks: s.Webhooks, Miscellaneous: s.Miscellaneous, SignUps: s.SignUps,
		EmailSMSTemplates: s.EmailSMSTemplates, EmailAndSMSTemplates: s.EmailAndSMSTemplates, Templates: s.Templates,
		RedirectURLs: s.RedirectURLs, Domains: s.Domains, ProxyChecks: s.ProxyChecks,
		OAuthApplications: s.OAuthApplications, SAMLConnections: s.SAMLConnections,
		AllowlistBlocklist: s.AllowlistBlocklist, AllowlistIdentifiers: s.AllowlistIdentifiers,
		BlocklistIdentifiers: s.BlocklistIdentifiers, InstanceSettings: s.InstanceSettings, BetaFeatures: s.BetaFeatures,
	}
}
