package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
)

// PeerService manages the peer nodes (federation implements it).
type PeerService interface {
	AddPeer(ctx context.Context, actorURL string) (*node.Peer, error)
	ListPeers(ctx context.Context) ([]*node.Peer, error)
	BlockPeer(ctx context.Context, id int64) (*node.Peer, error)
	UnblockPeer(ctx context.Context, id int64) (*node.Peer, error)
	RemovePeer(ctx context.Context, id int64) error
}

// peerJSON adds the summarised state to a peer.
type peerJSON struct {
	*node.Peer
	State node.PeerState `json:"state"`
}

func peerOut(p *node.Peer) peerJSON { return peerJSON{Peer: p, State: p.State()} }

func peerID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		var p node.Problems
		p.Add("id", "must be a peer id (a positive whole number)")
		return 0, p.Err("peer id")
	}
	return id, nil
}

func (s *Server) addPeer(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in struct {
		URL string `json:"url"`
	}
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.Peers.AddPeer(r.Context(), in.URL)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, peerOut(p))
	return nil
}

func (s *Server) listPeers(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	peers, err := s.Peers.ListPeers(r.Context())
	if err != nil {
		return err
	}
	out := make([]peerJSON, len(peers))
	for i, p := range peers {
		out[i] = peerOut(p)
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (s *Server) blockPeer(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := peerID(r)
	if err != nil {
		return err
	}
	p, err := s.Peers.BlockPeer(r.Context(), id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, peerOut(p))
	return nil
}

func (s *Server) unblockPeer(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := peerID(r)
	if err != nil {
		return err
	}
	p, err := s.Peers.UnblockPeer(r.Context(), id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, peerOut(p))
	return nil
}

func (s *Server) removePeer(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := peerID(r)
	if err != nil {
		return err
	}
	if err := s.Peers.RemovePeer(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
