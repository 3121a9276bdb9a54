-- What a published notice tells a bidder (node.Tender as JSON: buyer,
-- procedure, documents, submission, duration, criteria), on opportunities
-- imported from an eForms notice; NULL on the others.
ALTER TABLE opportunities ADD COLUMN tender TEXT;
